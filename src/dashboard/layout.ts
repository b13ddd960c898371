// The frame of every page: header with the sections the reader's role may open, the language
// switch and sign-out; htmx loaded from our own origin, sending the CSRF token with each request.
import { hasRole } from '../http/auth.ts';
import { html, jsonAttr, type Child, type Html } from './html.ts';
import type { Lang, Tr } from './i18n.ts';
import type { Session } from './session.ts';

export const ASSET_VERSION = '1';

export interface PageCtx {
  lang: Lang;
  t: Tr;
  session: Session | null;
  /** Path and query of this page, for the language switch to come back to. */
  url: string;
  timeZone: string;
}

function navItems(c: PageCtx): Array<{ href: string; label: string }> {
  const s = c.session;
  if (!s) return [];
  const { t } = c;
  const auth = { sub: s.sub, roles: s.roles, opd: s.opd };
  const items: Array<{ href: string; label: string }> = [];
  if (hasRole(auth, 'inspector', 'admin')) items.push({ href: '/app', label: t('Ringkasan', 'Overview') });
  items.push({ href: hasRole(auth, 'inspector', 'admin') ? '/app/projects' : '/app', label: t('Paket', 'Projects') });
  if (hasRole(auth, 'opd', 'admin')) items.push({ href: '/app/projects/new', label: t('Paket baru', 'New project') });
  items.push({ href: '/app/decisions', label: t('Keputusan', 'Decisions') });
  if (hasRole(auth, 'inspector', 'admin')) items.push({ href: '/app/corrections', label: t('Koreksi', 'Corrections') });
  if (hasRole(auth, 'inspector', 'admin')) items.push({ href: '/app/audit', label: t('Jejak audit', 'Audit trail') });
  if (hasRole(auth, 'admin')) items.push({ href: '/app/contractors', label: t('Penyedia', 'Contractors') });
  return items;
}

function roleText(s: Session, t: Tr): string {
  const names = s.roles.map((r) => ({ opd: `${t('Staf OPD', 'OPD staff')} ${s.opd ?? ''}`.trim(), inspector: 'Inspektorat', admin: 'Admin', finance: t('Keuangan', 'Finance'), witness: t('Saksi log', 'Log witness'), treasury: t('Kuasa BUD', 'Treasury') })[r]);
  return names.join(', ');
}

export function layout(c: PageCtx, title: string, body: Child, options: { active?: string } = {}): Html {
  const { t, session } = c;
  const path = c.url.split('?')[0] ?? '/app';
  const other: Lang = c.lang === 'en' ? 'id' : 'en';
  const switchHref = `/app/lang?to=${other}&back=${encodeURIComponent(c.url)}`;
  const nav = navItems(c).map((i) => html`<a href="${i.href}" ${(options.active ?? path) === i.href ? html`aria-current="page"` : null}>${i.label}</a>`);
  return html`<!doctype html>
<html lang="${c.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gerbang</title>
<link rel="stylesheet" href="/app/static/app.css?v=${ASSET_VERSION}">
<script src="/app/static/htmx.min.js?v=${ASSET_VERSION}" defer></script>
</head>
<body ${session ? html`hx-headers="${jsonAttr({ 'x-csrf-token': session.csrf })}"` : null}>
<a class="skip" href="#content">${t('Langsung ke isi', 'Skip to content')}</a>
<header class="top"><div class="bar">
  <a class="brand" href="/app">Gerbang</a>
  ${session ? html`<nav class="main" aria-label="${t('Menu utama', 'Main menu')}">${nav}</nav>` : null}
  <div class="who">
    ${session ? html`<span>${roleText(session, t)}</span>` : null}
    <a href="${switchHref}" hreflang="${other}" lang="${other}">${other === 'en' ? 'English' : 'Bahasa Indonesia'}</a>
    ${session ? html`<form method="post" action="/app/logout"><input type="hidden" name="_csrf" value="${session.csrf}"><button class="link" type="submit">${t('Keluar', 'Sign out')}</button></form>` : null}
  </div>
</div></header>
<main id="content">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export const csrfField = (c: PageCtx): Html => html`<input type="hidden" name="_csrf" value="${c.session?.csrf ?? ''}">`;
