// Generates the Prisma client when it is missing or older than the schema (postinstall scripts are
// not relied on: npm 11 may skip them). `--force` regenerates anyway.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lib = path.join(root, 'libs/event-store');
const schema = path.join(lib, 'prisma/schema.prisma');
const generated = path.join(lib, 'src/generated/prisma/client.ts');
const force = process.argv.includes('--force');

if (force || !existsSync(generated) || statSync(generated).mtimeMs < statSync(schema).mtimeMs) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--config', path.join(lib, 'prisma.config.ts')], {
    cwd: lib,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres', ...process.env, CHECKPOINT_DISABLE: '1' },
  });
}
