/** The worker of the KV test: verifies the posted token with the key set shared through KV. */
import { kvJwksCache, type KvNamespaceLike } from '../../examples/jwks-cache/workers-kv.js';
import { createLogtoVerifier } from '../../src/core/verify.js';

interface Posted {
  token: string;
  issuer: string;
  jwksUri: string;
  audience: string;
}

export default {
  async fetch(request: Request, env: { JWKS: KvNamespaceLike }): Promise<Response> {
    const { token, issuer, jwksUri, audience } = (await request.json()) as Posted;
    const verify = createLogtoVerifier({ issuer, jwksUri, audience, jwksCache: kvJwksCache(env.JWKS) });
    try {
      return Response.json({ userId: (await verify(token)).userId, stored: await env.JWKS.get(`jwks:${jwksUri}`, 'json') });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};
