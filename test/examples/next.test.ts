/**
 * The Next.js App Router sample (examples/next-app-router), built with `next build` and served by
 * `next start`: a browser signs alice in through the Logto stand-in's forms, and the server
 * component lists her posts only (RLS); the Bearer route handler answers bob's token with his.
 * Needs Debian's `chromium` (apt-get install chromium), driven by playwright-core.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startNextSample, type NextSample } from '../../examples/next-app-router/run.js';

const chromiumInstalled = hasChromium('the Next.js sample test');

const alicePosts = ["Alice's first post", "Alice's second post"];
const bobPosts = ["Bob's first post", "Bob's second post"];

describe.skipIf(!chromiumInstalled)('examples/next-app-router (next build + next start + Chromium)', () => {
  let sample: NextSample | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // next build takes 20–120 s depending on the machine; it is skipped when .next is newer than the sources.
    sample = await startNextSample();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.stop();
  }, 30_000);

  it('signs alice in through Logto and lists her posts, none of bob’s, then signs her out', async () => {
    const context = await browser!.newContext();
    try {
      // The oidc-provider pages link Google Fonts; stay offline.
      await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
      const page = await context.newPage();
      await page.goto(sample!.baseUrl);
      await page.getByTestId('sign-in').click();

      // The Logto stand-in's sign-in form, then its consent screen.
      await page.waitForURL((url) => url.href.startsWith(`${sample!.stack.logto.endpoint}/oidc/interaction/`));
      await page.locator('input[name=login]').fill('alice');
      await page.locator('input[name=password]').fill('alice-password');
      await page.locator('button[type=submit]').click();
      await page.getByRole('button', { name: 'Continue' }).click();

      // Back in the app through /callback.
      await page.waitForURL(`${sample!.baseUrl}/`);
      await expect.poll(() => page.getByTestId('user-id').textContent()).toBe('a1ic3x9k2m4p');
      const titles = await page.getByTestId('post').allTextContents();
      expect(titles).toEqual(alicePosts);
      for (const title of bobPosts) expect(titles).not.toContain(title);
      expect(await page.getByTestId('error').count()).toBe(0);

      // Sign out: the session cookie is cleared and Logto's end-session page confirms, then returns.
      await page.getByTestId('sign-out').click();
      await page.waitForURL((url) => url.href.startsWith(`${sample!.stack.logto.endpoint}/oidc/session/end`));
      await page.locator('button[name=logout][value=yes]').click();
      await page.waitForURL((url) => url.href.startsWith(sample!.baseUrl));
      await expect.poll(() => page.getByTestId('sign-in').count()).toBe(1);
      expect(await page.getByTestId('post').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('answers GET /api/posts with bob’s posts for bob’s Logto access token', async () => {
    const { accessToken } = await sample!.stack.logto.signIn('bob');
    const response = await fetch(`${sample!.baseUrl}/api/posts`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { userId: string; posts: { title: string; user_id: string }[] };
    expect(body.userId).toBe('b0bq7w5e8r1t');
    expect(body.posts.map((post) => post.title)).toEqual(bobPosts);
  });

  it('refuses /api/posts without a token (401, WWW-Authenticate)', async () => {
    const response = await fetch(`${sample!.baseUrl}/api/posts`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });
});
