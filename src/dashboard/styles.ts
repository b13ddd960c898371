// The one stylesheet: light, system fonts, readable on a 390 px phone (tables become stacked cards
// below 40rem, so nothing scrolls sideways), contrast at WCAG AA.
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f6f7f9;overflow-wrap:break-word}
code{overflow-wrap:anywhere}
.nowrap{white-space:nowrap}
a{color:#0a58ca}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f0a202;outline-offset:2px}
header.top{background:#fff;border-bottom:1px solid #d9dde3}
header.top .bar{max-width:64rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
.brand{font-weight:700;font-size:1.15rem;color:#0b3d2e;text-decoration:none;margin-right:auto}
nav.main{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
nav.main a{text-decoration:none;padding:.25rem 0}
nav.main a[aria-current=page]{font-weight:700;border-bottom:2px solid #0b6e4f}
.who{font-size:.85rem;color:#4a525c;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.25rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
.card{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:1rem;margin:0 0 1rem}
.grid>.card{margin:0}
.grid{margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr))}
.muted{color:#4a525c}
.small{font-size:.875rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.ok{background:#d6f0e0;color:#0b5132}
.block{background:#fbdada;color:#8a1414}
.warn{background:#fdecc8;color:#6b4500}
.unk{background:#e3e6ea;color:#333a42}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{font-size:.85rem;color:#4a525c;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:40rem){
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr{display:block;border:1px solid #d9dde3;border-radius:8px;margin:0 0 .75rem;background:#fff}
  table.stack td{display:block;position:relative;padding-left:38%;border:0;border-bottom:1px solid #eef0f3;text-align:left;min-height:2.2rem}
  table.stack td::before{content:attr(data-label);position:absolute;left:.5rem;width:calc(38% - 1rem);font-weight:600;font-size:.85rem;color:#4a525c}
  table.stack td.num{text-align:left}
}
.stackbar{display:flex;height:.9rem;border-radius:4px;overflow:hidden;background:#e3e6ea;min-width:8rem}
.stackbar span{display:block;height:100%}
.s-ok{background:#1f8a5b}.s-bad{background:#c62828}.s-unk{background:#8a94a0}
.legend{display:flex;flex-wrap:wrap;gap:.25rem .9rem;font-size:.85rem;margin:.25rem 0}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-.1rem}
form.stack{display:grid;gap:.75rem;max-width:36rem}
label{font-weight:600;font-size:.9rem;display:block}
input,select,textarea{font:inherit;width:100%;padding:.45rem .5rem;border:1px solid #8a94a0;border-radius:6px;background:#fff;color:#1b1f24}
input[type=file]{padding:.3rem}
button,.button{font:inherit;font-weight:600;display:inline-block;padding:.5rem .9rem;border-radius:6px;border:1px solid #0b6e4f;background:#0b6e4f;color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#0b6e4f}
button.link{background:none;border:0;color:#0a58ca;padding:0;text-decoration:underline;font-weight:400}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.field-error{color:#8a1414;font-size:.875rem;margin:.15rem 0 0}
.notice{border-left:4px solid #0b6e4f;background:#e9f6ef;padding:.6rem .8rem;margin:0 0 1rem;border-radius:4px}
.alert{border-left:4px solid #c62828;background:#fdeeee;padding:.6rem .8rem;margin:0 0 1rem;border-radius:4px}
.csv-lines{font:0.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:.25rem 0;margin:.5rem 0;list-style:none}
.csv-lines li{padding:.15rem .6rem;display:grid;grid-template-columns:4.5rem 1fr;gap:.25rem .5rem}
.csv-lines li.bad{background:#fdeeee}
.csv-lines .ln{color:#4a525c;text-align:right;white-space:nowrap}
.csv-lines .msg{grid-column:2;color:#8a1414;font-family:system-ui,sans-serif}
.reason{border:1px solid #d9dde3;border-radius:8px;padding:.75rem;margin:.5rem 0;background:#fff}
.reason p{margin:.25rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{color:#4a525c}
dl.facts dd{margin:0}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-family:system-ui,sans-serif;fill:#1b1f24}
pre.wrap{white-space:pre-wrap;word-break:break-all;font-size:.8rem;background:#fff;border:1px solid #d9dde3;padding:.5rem;border-radius:6px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem}
.htmx-indicator{display:none}.htmx-request .htmx-indicator,.htmx-request.htmx-indicator{display:inline}
`;
