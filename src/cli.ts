#!/usr/bin/env node
import { version } from '../package.json';
import { doctorCommand, doctorUsage } from './doctor/command.js';
import { syncUsersCommand, syncUsersUsage } from './sync-users-command.js';

const usage = `Usage: logto-supabase <command> [options]

Commands:
  sql       Print the SQL that installs the logto.* helpers for Row-Level Security
            (paste it into Supabase's SQL editor, or: npx logto-supabase sql | psql "$DATABASE_URL")
${doctorUsage}${syncUsersUsage}  help      Show this message

Options:
  --version Print the version of logto-supabase
`;

async function main([command, ...args]: string[]): Promise<number> {
  switch (command) {
    case 'sql':
      process.stdout.write((await import('./sql/index.js')).logtoSql);
      return 0;
    case 'doctor':
      return doctorCommand(args);
    case 'sync-users':
      return syncUsersCommand(args);
    case '--version':
    case '-v':
      process.stdout.write(`${version}\n`);
      return 0;
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
