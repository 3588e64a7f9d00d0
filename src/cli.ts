#!/usr/bin/env node
import { logtoSql } from './sql/index.js';

const usage = `Usage: logto-supabase <command>

Commands:
  sql    Print the SQL that installs the logto.* helpers for Row-Level Security
         (paste it into Supabase's SQL editor, or: npx logto-supabase sql | psql "$DATABASE_URL")
  help   Show this message
`;

const [command] = process.argv.slice(2);
switch (command) {
  case 'sql':
    process.stdout.write(logtoSql);
    break;
  case undefined:
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
    process.exitCode = 2;
}
