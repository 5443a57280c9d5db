// Maps the tsconfig path aliases (@identity-store/*) for Jest, so the aliases are declared once.
const path = require('node:path');
const { compilerOptions } = require('../../tsconfig.base.json');

exports.pathsToModuleNameMapper = () =>
  Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
      `^${alias.replace(/[/-]/g, (c) => '\\' + c)}$`,
      path.join('<rootDir>', target),
    ]),
  );
