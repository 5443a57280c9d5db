/**
 * Test-only: jose 6 is ESM-only, and Jest here (CommonJS mode, node_modules not transformed,
 * Node < 24.9) cannot load it ("Must use import to load ES Module"). Node 20.19+ itself can
 * `require()` ES modules, so specs that reach jose replace it with the module loaded by Node's own
 * loader, outside Jest's registry:
 *
 *   jest.mock('jose', () => jest.requireActual('../testing/jose').jose);
 *
 * Jest patches `require`, `module` and `process.getBuiltinModule` inside the test realm; the
 * outer realm's `process` is reached through a function created by the outer realm's Function
 * constructor (Buffer comes from there). jose then lives in Node's realm: its `instanceof
 * Uint8Array` checks accept Buffers (the gateway only hands it Buffers) but not a `new Uint8Array`
 * made in the test realm.
 *
 * The proper fix belongs to the root jest.config.js (e.g. `transformIgnorePatterns:
 * ['/node_modules/(?!jose/)']` so @swc/jest compiles jose to CommonJS); apps/gateway may not edit it.
 */
import type * as Jose from 'jose';

type OuterProcess = { getBuiltinModule(id: 'node:module'): typeof import('node:module') };
const outerProcess = (Buffer.constructor as FunctionConstructor)('return process')() as OuterProcess;

export const jose = outerProcess.getBuiltinModule('node:module').createRequire(__filename)(
  'jose',
) as typeof Jose;
