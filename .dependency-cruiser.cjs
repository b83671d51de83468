/** The layer rule: imports point down only. renderer -> agent/protocol/; electron -> agent; agent -> models. */
module.exports = {
  forbidden: [
    {
      name: 'models-imports-nothing-above',
      severity: 'error',
      from: { path: '^models/' },
      to: { path: '^(agent|renderer|electron|test)/' },
    },
    {
      name: 'agent-not-above',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(renderer|electron|test)/' },
    },
    {
      name: 'renderer-only-protocol',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(agent|models|electron|test)/', pathNot: '^agent/protocol/' },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'the renderer bundles agent/protocol/, so it imports nothing else of the project',
      severity: 'error',
      from: { path: '^agent/protocol/' },
      to: { path: '^(agent|models|renderer|electron|test)/', pathNot: '^agent/protocol/' },
    },
    {
      name: 'electron-not-renderer',
      severity: 'error',
      from: { path: '^electron/' },
      to: { path: '^(renderer|test)/' },
    },
    {
      name: 'file-outside-layers',
      comment: 'every source file belongs to one layer',
      severity: 'error',
      from: { pathNot: '^(agent|models|renderer|electron|test|bin)/|^node_modules|^[^/]+\\.(ts|js|cjs)$' },
      to: {},
    },
    { name: 'no-circular', severity: 'warn', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|renderer/dist)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
