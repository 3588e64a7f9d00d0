import type { Env } from 'logto-supabase';
import { api, apps } from '../local-stack/src/fixtures.js';
import type { LocalStack } from '../local-stack/src/index.js';
import type { Listening } from './listen.js';
import { loadLocalStack } from './load-local-stack.js';
import { stackEnv } from './stack-env.js';

/** Starts a sample's HTTP server with the `fromEnv` variables it should read. */
export type ServeSample = (env: Env, port: number) => Promise<Listening>;

/**
 * Runs a sample server the way its README describes: against a real Logto tenant and Supabase
 * project when `LOGTO_ENDPOINT` is set (every `fromEnv` variable then comes from the environment),
 * otherwise against the local stack, printing ready-to-use access tokens and curl commands.
 * Ctrl-C stops everything and the process ends on its own.
 */
export async function runSample(name: string, serve: ServeSample): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (process.env.LOGTO_ENDPOINT) {
    const server = await serve(process.env, port);
    console.log(`${name}: ${server.url}/api/posts (Logto ${process.env.LOGTO_ENDPOINT}, Supabase ${process.env.SUPABASE_URL})`);
    stopOnSignal(() => server.close());
    return;
  }

  const { startLocalStack } = await loadLocalStack();
  const stack = await startLocalStack();
  let server: Listening;
  try {
    server = await serve(stackEnv(stack), port);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  stopOnSignal(async () => {
    await server.close();
    await stack.stop();
  });
  console.log(await localStackHelp(name, server.url, stack));
}

function stopOnSignal(stop: () => Promise<void>): void {
  const onSignal = () => {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    stop().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
}

async function localStackHelp(name: string, url: string, stack: LocalStack): Promise<string> {
  const [alice, bob] = await Promise.all([stack.logto.signIn('alice'), stack.logto.signIn('bob')]);
  const { clientId, clientSecret } = apps.adminJob;
  return `${name} on ${url}, against the local stack (no LOGTO_ENDPOINT set):
  Logto stand-in     ${stack.logto.endpoint}
  Supabase stand-in  ${stack.supabase.url}

Access tokens for ${api.resource} (1 hour), from the authorization-code + PKCE flow:
  export ALICE='${alice.accessToken}'
  export BOB='${bob.accessToken}'

Then:
  curl -H "Authorization: Bearer $ALICE" ${url}/api/posts
  curl -H "Authorization: Bearer $ALICE" ${url}/api/me
  curl -H "Authorization: Bearer $ALICE" -H 'content-type: application/json' -d '{"title":"Hello"}' ${url}/api/posts

A machine-to-machine token (client credentials, as Logto's M2M guide):
  curl -u ${clientId}:${clientSecret} -d grant_type=client_credentials \\
    -d resource=${api.resource} -d 'scope=read:posts' ${stack.logto.endpoint}/oidc/token

Ctrl-C stops the server and the stack.`;
}
