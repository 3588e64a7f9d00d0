import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatChecks, runDoctor } from '../doctor.js';
import { fromEnv, type Env } from '../env.js';
import { parseDotenv } from './dotenv.js';

export const doctorUsage = `  doctor    Check the Logto tenant and the Supabase project this environment points at
            (reads LOGTO_ENDPOINT, LOGTO_AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY, ... like fromEnv(),
            from the environment and from .env in this folder; variables already set win)
              --env-file <path>  read this file instead of ./.env
              --token -          read a Logto access token to try from stdin (third-party mode);
                                 or set LOGTO_TEST_TOKEN. Never the token itself on the command line.
              --json             print the checklist as JSON
`;

const tokenOnArgv =
  'doctor: --token takes no token on the command line, where shell history and `ps` keep it. Pipe it in: `pbpaste | npx logto-supabase doctor --token -` (or `--token - < token.txt`), or set LOGTO_TEST_TOKEN in the environment or .env.';

/** The variables of the env file, and where they came from; undefined when there is none to read. */
function readEnvFile(path: string | undefined): { path: string; variables: Record<string, string> } | undefined {
  const file = resolve(path ?? '.env');
  if (path === undefined && !existsSync(file)) return undefined;
  return { path: path ?? '.env', variables: parseDotenv(readFileSync(file, 'utf8')) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** `logto-supabase doctor`: 0 when every check passes, 1 when one fails, 2 when it cannot run. */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { token: { type: 'string' }, json: { type: 'boolean' }, 'env-file': { type: 'string' } } });
  const fail = (message: string, fix: string) => {
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, error: message, fix })}\n`);
    else process.stderr.write(`${message}\n    fix: ${fix}\n`);
    return 2;
  };
  if (values.token !== undefined && values.token !== '-') {
    process.stderr.write(`${tokenOnArgv}\n`);
    return 2;
  }
  let envFile;
  try {
    envFile = readEnvFile(values['env-file']);
  } catch (error) {
    return fail(`doctor: cannot read ${values['env-file']} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'Give --env-file the path of a KEY=VALUE file.');
  }
  const env: Env = { ...envFile?.variables, ...process.env };
  const token = values.token === '-' ? await readStdin() : env.LOGTO_TEST_TOKEN?.trim() || undefined;
  if (values.token === '-' && !token) return fail('doctor: --token - read no token from stdin.', 'Pipe a Logto access token in, or set LOGTO_TEST_TOKEN.');
  const source = envFile ? `${Object.keys(envFile.variables).length} variable(s) read from ${envFile.path} (those already set in the environment win)` : 'the environment only (no .env here)';
  let options;
  try {
    options = fromEnv(env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(message, `Set them in the environment or in .env (or give --env-file <path>). Read: ${source}.`);
  }
  const checks = await runDoctor(options, { env, ...(token === undefined ? {} : { token }) });
  const ok = checks.every((check) => check.ok);
  if (values.json) process.stdout.write(`${JSON.stringify({ ok, envFile: envFile?.path ?? null, checks }, null, 2)}\n`);
  else process.stdout.write(`Environment: ${source}.\n\n${formatChecks(checks)}`);
  return ok ? 0 : 1;
}
