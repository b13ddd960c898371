// A tiny typed HTML template: values interpolated into `html` are escaped unless they are Html
// themselves, so a name or a CSV line can never become markup. No template engine, no build step,
// and tsc checks every page like any other code.

export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type Child = Html | string | number | bigint | null | undefined | false | readonly Child[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function render(child: Child): string {
  if (child === null || child === undefined || child === false) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return (child as readonly Child[]).map(render).join('');
  return escapeHtml(String(child));
}

export function html(strings: TemplateStringsArray, ...values: Child[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup we wrote ourselves (never user input). */
export const trusted = (markup: string): Html => new Html(markup);

/** A JSON value placed inside an HTML attribute (escaped as attribute text). */
export const jsonAttr = (value: unknown): string => JSON.stringify(value);
