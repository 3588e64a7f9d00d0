import sqlText from '../../sql/logto.sql';

/**
 * The SQL that installs the `logto` schema helpers (`logto.user_id()`, `logto.client_id()`,
 * `logto.organization_id()`, `logto.scopes()`, `logto.has_scope(text)`, `logto.is_machine()`,
 * `logto.uuid_of(text, uuid?)`) with commented example policies for tables and `storage.objects`.
 * Idempotent: safe to run on every deploy. Needs the `uuid-ossp` extension (Supabase has it; it is
 * created where possible, else the script stops saying what to run).
 *
 * @example
 * import { logtoSql } from 'logto-supabase/sql';
 * await sql.unsafe(logtoSql); // or paste `npx logto-supabase sql` into Supabase's SQL editor
 */
export const logtoSql: string = sqlText;
export default logtoSql;
