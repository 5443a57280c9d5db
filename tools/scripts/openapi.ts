/**
 * Writes docs/openapi.json from the contract (`npm run openapi`). The unit spec of
 * libs/contracts/src/api/openapi.ts fails when the checked-in file differs from a fresh build, so run
 * this after changing an operation or a schema, and commit the result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderOpenApiJson } from '@identity-store/contracts';

const root = path.resolve(__dirname, '../..');
const target = path.join(root, 'docs/openapi.json');

mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, renderOpenApiJson());
console.log(`Wrote ${path.relative(root, target)}`);
