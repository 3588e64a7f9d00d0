import type { ReactNode } from 'react';

export const metadata = { title: 'logto-supabase · Next.js App Router sample' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 640, margin: '2rem auto' }}>{children}</body>
    </html>
  );
}
