import { z } from 'zod';
import { policyNameSchema, storeNameSchema } from './common';

/**
 * A path segment naming a resource (a user id or external id, …): never `.` or `..`, which URL
 * parsers resolve as relative paths (a lookup for user `..` would reach its parent resource).
 */
export const pathSegmentSchema = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .refine((segment) => segment !== '.' && segment !== '..', 'must not be "." or ".."');

const userSegment = pathSegmentSchema(128);
/** A resource id in a path (a credential's, an audit record's). */
export const resourceIdSchema = z.string().min(1).max(64);
/** A ceremony session id in a path, as the services validate it. */
export const sessionIdSchema = z.string().min(1).max(64);

export interface PathParameter {
  schema: z.ZodType<string>;
  description: string;
  /** Its component name in the document (`#/components/parameters/<name>`). */
  componentName: string;
}

const parameter = (schema: z.ZodType<string>, description: string, componentName: string): PathParameter => ({
  schema,
  description,
  componentName,
});

/**
 * Every path parameter name a template of the tables uses: the schema a service validates it with
 * (unless its row names a stricter one) and what the document says of it.
 */
export const pathParameters: Readonly<Record<string, PathParameter>> = {
  storeName: parameter(storeNameSchema, 'Store name.', 'StoreName'),
  userId: parameter(userSegment, 'Internal user id.', 'UserId'),
  extId: parameter(userSegment, 'External user id (unique per store).', 'ExtId'),
  policyName: parameter(policyNameSchema, 'Policy name.', 'PolicyName'),
  regPolicyName: parameter(
    policyNameSchema,
    'Registration policy name of the relying party.',
    'RegPolicyName',
  ),
  authPolicyName: parameter(
    policyNameSchema,
    'Authentication policy name of the relying party.',
    'AuthPolicyName',
  ),
  rpId: parameter(
    z.string().min(1),
    'Relying party id (for passkeys a domain name, e.g. `example.com`).',
    'RpId',
  ),
  sessionId: parameter(
    z.string().min(1),
    'Ceremony session id (single-use, expires, belongs to the store).',
    'SessionId',
  ),
  id: parameter(resourceIdSchema, 'Resource id.', 'ResourceId'),
  deviceId: parameter(z.string().min(1), 'Device id.', 'DeviceId'),
  keyId: parameter(z.string().min(1), 'Appkey key id.', 'KeyId'),
  type: parameter(z.string().min(1), 'Biometric type, e.g. `face`.', 'BiometricType'),
};

/** The names of a template's parameters, in order (`{storeName}` → storeName). */
export const pathParamNames = (template: string): string[] =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');

/** The schema validating a template's path parameters (a row's own schemas first). */
export const pathParamsSchema = (
  template: string,
  overrides: Readonly<Record<string, z.ZodType<string>>> = {},
): z.ZodObject =>
  z.object(
    Object.fromEntries(
      pathParamNames(template).map((name) => {
        const schema = overrides[name] ?? pathParameters[name]?.schema;
        if (!schema) throw new Error(`no schema for the path parameter {${name}} of ${template}`);
        return [name, schema];
      }),
    ),
  );
