import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run example:user-sync (local stack)', () => {
  it('keeps the newest row, refuses the forged delivery, and the reconcile adds the lost user and removes the deleted one', async () => {
    const env = { ...process.env, LOGTO_WEBHOOK_SIGNING_KEY: '', SUPABASE_URL: '' };
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'examples/user-sync/run.ts'], { cwd: root, env, timeout: 90_000 });
    expect(stdout).toContain('→ a forged delivery (wrong key): HTTP 401');
    const [afterDeliveries, afterSync] = stdout.split('sync-users: ');
    expect(afterDeliveries).toMatch(/ada000000001 {2}Ada L\. /);
    expect(afterDeliveries).toMatch(/grace0000001 {2}Grace {3}\{"plan":"pro"\}/);
    expect(afterDeliveries).not.toContain('linus0000001');
    expect(afterSync).toMatch(/^3 users read, \d rows written, 1 removed/);
    expect(afterSync).toContain('linus0000001');
    expect(afterSync).not.toContain('bob000000001');
  }, 120_000);
});
