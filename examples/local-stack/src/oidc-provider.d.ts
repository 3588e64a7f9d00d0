// oidc-provider 9 ships no types; this declares the slice the Logto stand-in uses
// (`@types/oidc-provider` ^9.5 would replace it).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The part of the per-request context the stand-in's configuration callbacks read. */
  export interface KoaContextWithOIDC {
    oidc: {
      account?: { accountId: string };
      /** The parsed form body of a POST (every field, including ones the endpoint ignores). */
      body?: Record<string, unknown>;
    };
  }

  export interface Client {
    clientId: string;
    clientAuthMethod: string;
    redirectUris: string[];
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface ResourceServer {
    audience?: string;
    identifier(): string;
  }

  export interface InteractionResults {
    login?: { accountId: string };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  /** Checked by oidc-provider at construction; see its docs for the full schema. */
  export type Configuration = Record<string, unknown>;

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  class OIDCProviderError extends Error {
    constructor(description?: string);
  }

  export const errors: {
    InvalidRequest: typeof OIDCProviderError;
    InvalidTarget: typeof OIDCProviderError;
  };
}
