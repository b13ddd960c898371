// Sign-in pages: the development sign-in form, "signed out", "not configured" and error pages.
import { html, type Html } from './html.ts';
import { layout, type PageCtx } from './layout.ts';

export function devLoginPage(c: PageCtx, opds: Array<{ code: string; name: string }>, error: string | null): Html {
  const { t } = c;
  return layout(c, t('Masuk (pengembangan)', 'Sign in (development)'), html`
    <p class="notice">${t(
      'Masuk pengembangan: hanya ada di luar produksi. Pilih peran dan OPD, tanpa kata sandi.',
      'Development sign-in: it exists only outside production. Choose a role and an OPD; no password.',
    )}</p>
    ${error ? html`<p class="alert" role="alert">${error}</p>` : null}
    <form class="stack card" method="get" action="/app/dev-login">
      <div><label for="role">${t('Peran', 'Role')}</label>
        <select id="role" name="role">
          <option value="opd">${t('Staf OPD (PPK/PPTK)', 'OPD staff (PPK/PPTK)')}</option>
          <option value="inspector">Inspektorat</option>
          <option value="admin">Admin</option>
        </select></div>
      <div><label for="opd">${t('OPD (untuk staf OPD)', 'OPD (for OPD staff)')}</label>
        <select id="opd" name="opd">
          ${opds.map((o) => html`<option value="${o.code}" ${o.code === 'DPUPR' ? html`selected` : null}>${o.code} - ${o.name}</option>`)}
        </select></div>
      <div><button type="submit">${t('Masuk', 'Sign in')}</button></div>
    </form>`);
}

export function signedOutPage(c: PageCtx): Html {
  const { t } = c;
  return layout(c, t('Anda sudah keluar', 'You have signed out'), html`
    <p>${t('Sesi Anda telah diakhiri.', 'Your session has ended.')}</p>
    <p><a class="button" href="/app/login">${t('Masuk lagi', 'Sign in again')}</a></p>`);
}

export function messagePage(c: PageCtx, title: string, message: string, link?: { href: string; label: string }): Html {
  return layout(c, title, html`<p>${message}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : null}`);
}
