#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatChecks, runDoctor } from './doctor.js';
import { fromEnv } from './env.js';
import { syncUsersCommand, syncUsersUsage } from './sync-users-command.js';

const usage = `Usage: logto-supabase <command> [options]

Commands:
  sql       Print the SQL that installs the logto.* helpers for Row-Level Security
            (paste it into Supabase's SQL editor, or: npx logto-supabase sql | psql "$DATABASE_URL")
  doctor    Check the Logto tenant and the Supabase project this environment points at
            (reads LOGTO_ENDPOINT, LOGTO_AUDIENCE, SUPABASE_URL, SUPABASE_ANON_KEY, ... like fromEnv())
              --token <jwt>   a Logto access token to try (third-party mode)
              --json          print the checklist as JSON
${syncUsersUsage}  help      Show this message
`;

async function doctor(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { token: { type: 'string' }, json: { type: 'boolean' } } });
  let options;
  try {
    options = fromEnv();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
    else process.stderr.write(`${message}\n`);
    return 2;
  }
  const checks = await runDoctor(options, values.token === undefined ? {} : { token: values.token });
  const ok = checks.every((check) => check.ok);
  if (values.json) process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  else process.stdout.write(formatChecks(checks));
  return ok ? 0 : 1;
}

async function main([command, ...args]: string[]): Promise<number> {
  switch (command) {
    case 'sql':
      process.stdout.write((await import('./sql/index.js')).logtoSql);
      return 0;
    case 'doctor':
      return doctor(args);
    case 'sync-users':
      return syncUsersCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
