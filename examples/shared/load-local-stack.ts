type LocalStackModule = typeof import('../local-stack/src/index.js');

const runtimeWarning = 'oidc-provider WARNING: Unsupported runtime';

/**
 * Imports the local stack without the warning oidc-provider prints on import under Node 20: the
 * stand-in works there (the stack's tests run on it), and the line would only alarm a newcomer.
 * Every other warning still shows.
 */
export async function loadLocalStack(): Promise<LocalStackModule> {
  const { warn } = console;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes(runtimeWarning)) warn(...args);
  };
  try {
    return await import('../local-stack/src/index.js');
  } finally {
    console.warn = warn;
  }
}
