/**
 * The React SPA sample (examples/react-spa), built with Vite here and driven in headless
 * Chromium: alice signs in through the Logto stand-in, the page talks to the Supabase stand-in
 * directly with the JWT the Express backend exchanged for her Logto token (RLS decides), joins a
 * Realtime channel with it and pushes a renewed one before it expires; signed out, it uses the
 * anon key only. Needs Debian's `chromium` (apt-get install chromium), driven by playwright-core.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { apps, users } from '../../examples/local-stack/src/index.js';
import { startSpaSample, type SpaSample } from '../../examples/react-spa/run.js';

const chromiumInstalled = hasChromium('the React SPA sample test');

const alicePosts = ["Alice's first post", "Alice's second post"];
const bobPosts = ["Bob's first post", "Bob's second post"];
/** Short-lived exchanged JWTs, so the renewal happens within the test. */
const jwtExpiresIn = 30;

interface Seen {
  url: string;
  method: string;
  authorization: string | undefined;
  apikey: string | undefined;
}

/** Every request the page sends to the Supabase stand-in and to the token endpoint (preflights aside). */
function watch(page: Page, sample: SpaSample) {
  const supabase: Seen[] = [];
  const exchanges: Seen[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'OPTIONS') return;
    const url = request.url();
    const list = url.startsWith(sample.stack.supabase.url) ? supabase : url.startsWith(`${sample.backendUrl}/api/supabase-token`) ? exchanges : undefined;
    if (!list) return;
    const headers = request.headers();
    list.push({ url, method: request.method(), authorization: headers.authorization, apikey: headers.apikey });
  });
  return { supabase, exchanges };
}

const bearer = (seen: Seen) => seen.authorization?.replace(/^Bearer /, '') ?? '';

describe.skipIf(!chromiumInstalled)('examples/react-spa (vite build + Chromium)', () => {
  let sample: SpaSample | undefined;
  let browser: Browser | undefined;
  let setupMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    sample = await startSpaSample({ jwtExpiresIn, realtimeHeartbeatMs: 1000 });
    browser = await launchChromium();
    setupMs = performance.now() - started;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.stop();
  }, 30_000);

  it('alice signs in, reads and writes her posts straight from Supabase, joins Realtime, renews its token, signs out to anon', async () => {
    const started = performance.now();
    const { stack } = sample!;
    const context = await browser!.newContext();
    try {
      // The oidc-provider pages link Google Fonts; stay offline.
      await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
      const page = await context.newPage();
      const seen = watch(page, sample!);
      const titles = () => page.getByTestId('post').allTextContents();

      await page.goto(sample!.url);
      await page.getByTestId('sign-in').click();
      await page.waitForURL((url) => url.href.startsWith(`${stack.logto.endpoint}/oidc/interaction/`));
      await page.locator('input[name=login]').fill('alice');
      await page.locator('input[name=password]').fill('alice-password');
      await page.locator('button[type=submit]').click();
      // From here on, every request is alice's (the landing page asked Supabase as anon).
      seen.supabase.length = 0;
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${sample!.url}/`);

      // Her 2 posts, none of bob's: the page asked Supabase itself, with a JWT from the exchange.
      await expect.poll(titles, { timeout: 15_000 }).toEqual(alicePosts);
      expect(await page.getByTestId('error').count()).toBe(0);
      const [exchange] = seen.exchanges;
      expect(decodeProtectedHeader(bearer(exchange!)).typ).toBe('at+jwt');
      expect(decodeJwt(bearer(exchange!))).toMatchObject({ sub: users.alice.id, client_id: apps.spa.clientId });
      const postsRequests = seen.supabase.filter((request) => request.url.includes('/rest/v1/posts'));
      expect(postsRequests.length).toBeGreaterThan(0);
      for (const request of postsRequests) {
        expect(request.apikey).toBe(stack.supabase.anonKey);
        expect(decodeProtectedHeader(bearer(request)).alg).toBe('HS256');
        expect(decodeJwt(bearer(request))).toMatchObject({ sub: users.alice.id, role: 'authenticated', aud: 'authenticated' });
      }

      // Realtime: joined with the minted JWT.
      await expect.poll(() => page.getByTestId('realtime-status').textContent(), { timeout: 15_000 }).toBe('SUBSCRIBED');
      const join = stack.supabase.realtime.joins.find((entry) => entry.topic === 'realtime:posts-feed');
      expect(join).toMatchObject({ ok: true, sub: users.alice.id, role: 'authenticated' });

      // She adds a post: it is hers, the channel relays its broadcast; then she deletes it.
      await page.getByTestId('new-title').fill('Alice from the browser');
      await page.getByTestId('add-post').click();
      await expect.poll(titles).toEqual([...alicePosts, 'Alice from the browser']);
      for (const title of bobPosts) expect(await titles()).not.toContain(title);
      await expect.poll(() => page.getByTestId('feed-item').allTextContents()).toEqual(['Alice from the browser']);
      const rows = await stack.supabase.db.query<{ user_id: string }>(`select user_id from public.posts where title = 'Alice from the browser'`);
      expect(rows).toEqual([{ user_id: users.alice.id }]);
      await page.getByTestId('delete-post').last().click();
      await expect.poll(titles).toEqual(alicePosts);

      // Before the joined JWT expires, the page pushes a renewed one to the channel.
      await expect
        .poll(() => stack.supabase.realtime.accessTokenUpdates.filter((update) => update.topic === 'realtime:posts-feed' && update.ok), {
          timeout: (jwtExpiresIn + 5) * 1000,
          interval: 500,
        })
        .toEqual([expect.objectContaining({ sub: users.alice.id, role: 'authenticated', exp: expect.any(Number) })]);
      const [renewal] = stack.supabase.realtime.accessTokenUpdates.filter((update) => update.topic === 'realtime:posts-feed');
      expect(renewal!.exp).toBeGreaterThan(join!.exp!);
      expect(renewal!.at).toBeLessThan(join!.exp! * 1000);

      // Signed out: the page still asks Supabase, with the anon key only, and exchanges nothing.
      await page.getByTestId('sign-out').click();
      await page.waitForURL((url) => url.href.startsWith(`${stack.logto.endpoint}/oidc/session/end`));
      seen.supabase.length = 0;
      seen.exchanges.length = 0;
      await page.locator('button[name=logout][value=yes]').click();
      await page.waitForURL((url) => url.href.startsWith(sample!.url));
      await expect.poll(() => page.getByTestId('sign-in').count()).toBe(1);
      // anon has no grant on posts: PostgREST answers 42501 as 401 for anon.
      await expect.poll(() => page.getByTestId('error').textContent()).toMatch(/^401 42501/);
      expect(seen.supabase.length).toBeGreaterThan(0);
      for (const request of seen.supabase) {
        expect({ apikey: request.apikey, authorization: request.authorization }).toEqual({
          apikey: stack.supabase.anonKey,
          authorization: `Bearer ${stack.supabase.anonKey}`,
        });
      }
      expect(seen.exchanges).toEqual([]);
    } finally {
      await context.close();
      console.log(`react-spa E2E: setup (vite build + stack + Chromium) ${Math.round(setupMs)} ms, browser flow ${Math.round(performance.now() - started)} ms`);
    }
  }, 120_000);
});
