// Node resolve hook for `npm run app:bridge`: the bare specifier 'electron' means the bridge's API.
const BRIDGE = new URL('./electron-api.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: BRIDGE, shortCircuit: true };
  return nextResolve(specifier, context);
}
