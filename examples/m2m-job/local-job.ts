import { api, apps } from '../local-stack/src/fixtures.js';
import type { LocalStack } from '../local-stack/src/index.js';
import type { M2mJobOptions } from './job.js';

/** The job's options for one of the local stack's machine-to-machine apps, asking for all its permissions. */
export function localJobOptions(stack: LocalStack, app: 'adminJob' | 'reporter', backendUrl: string): M2mJobOptions {
  const { clientId, clientSecret, scopes } = apps[app];
  return { logtoEndpoint: stack.logto.endpoint, resource: api.resource, clientId, clientSecret, scope: scopes.join(' '), backendUrl };
}
