import type { FieldError } from '@identity-store/contracts';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { AttributeValidator } from './user-decider';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

const compile = (schema: Record<string, unknown>): ValidateFunction => {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
};

/** The problems of an attributeSchema itself (not a valid JSON Schema draft 2020-12). */
export const attributeSchemaProblems = (schema: Record<string, unknown> | null | undefined): FieldError[] => {
  if (!schema) return [];
  try {
    compile(schema);
    return [];
  } catch (error) {
    return [{ path: 'body.attributeSchema', message: `not a valid JSON Schema: ${(error as Error).message}` }];
  }
};

/** A validator of user attributes for a store's attributeSchema (none: everything passes). */
export const attributeValidator = (schema: Record<string, unknown> | null): AttributeValidator => {
  if (!schema) return () => [];
  const validate = compile(schema);
  return (attributes) =>
    validate(attributes)
      ? []
      : (validate.errors ?? []).map((error) => ({
          path: `body.attributes${error.instancePath.replace(/\//g, '.')}`,
          message: error.message ?? 'invalid',
        }));
};
