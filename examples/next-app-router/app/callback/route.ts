import { handleSignIn } from '@logto/next/server-actions';
import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { getLogtoConfig } from '../../lib/config';

/** Logto redirects here (`${BASE_URL}/callback`, registered as the app's redirect URI) after sign-in. */
export async function GET(request: NextRequest) {
  await handleSignIn(getLogtoConfig(), request.nextUrl.searchParams);
  redirect('/');
}
