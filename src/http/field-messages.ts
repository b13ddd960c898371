// Per-field validation messages in Bahasa Indonesia (contract 2.8 / issue 11: Indonesian by default,
// English with `Accept-Language: en`). Messages are written once, in English, where the rule is
// (zod's defaults, the schemas' own texts, the services' checks); every one of them leaves the API
// through problemBody, which passes each field error through `fieldMessage`. Each English form is
// matched here and said again in Indonesian; a message without a translation stays English.
import { identifierMessage, type IdentifierRule, type Lang } from '../policy/messages.ts';

type Rule = [RegExp, (m: RegExpExecArray) => string];

const ORIGINS: Record<string, string> = { string: 'teks', number: 'angka', int: 'bilangan bulat', array: 'daftar', set: 'himpunan', bigint: 'angka', date: 'tanggal', file: 'berkas' };
const TYPES: Record<string, string> = {
  string: 'teks', number: 'angka', int: 'bilangan bulat', boolean: 'boolean (true/false)', object: 'objek', array: 'daftar (array)',
  null: 'null', undefined: 'tidak ada (field wajib diisi)', nonoptional: 'sebuah nilai', bigint: 'angka', date: 'tanggal', NaN: 'NaN',
};
const UNITS: Record<string, string> = { characters: 'karakter', items: 'item', bytes: 'byte', elements: 'elemen' };
const FORMATS: Record<string, string> = {
  UUID: 'UUID', 'ISO datetime': 'waktu ISO 8601 (RFC 3339)', 'ISO date': 'tanggal ISO (YYYY-MM-DD)', URL: 'URL', 'email address': 'alamat email',
  input: 'masukan', 'base64-encoded string': 'teks base64',
};
const SIDES: Record<string, string> = { '>=': 'paling sedikit', '>': 'lebih dari', '<=': 'paling banyak', '<': 'kurang dari', 'exactly ': 'tepat' };
const amount = (adj: string, n: string) => `${SIDES[adj] ?? adj} ${n}`;
const type = (t: string) => TYPES[t] ?? t;
const DATE_RANGE = (s: string) => s.replace(/between (\S+) and (\S+)/, 'antara $1 dan $2');
const REFUSALS: Record<string, string> = {
  LINK_LOCAL: 'alamat link-local (169.254.0.0/16, fe80::/10) tidak pernah diizinkan',
  METADATA: 'alamat metadata cloud tidak pernah diizinkan',
  LOOPBACK: 'alamat loopback memerlukan WEBHOOK_ALLOW_PRIVATE=true',
  PRIVATE: 'alamat privat memerlukan WEBHOOK_ALLOW_PRIVATE=true',
  RESERVED: 'alamat cadangan, multicast atau tak tertentu tidak pernah diizinkan',
  SCHEME: 'hanya URL http dan https',
  HTTPS_REQUIRED: 'produksi memerlukan https (http hanya ke alamat privat yang diizinkan)',
  UNRESOLVABLE: 'nama host tidak dapat di-resolve',
  CREDENTIALS: 'kredensial di dalam URL tidak diizinkan',
};
const columnProblem = (p: string) => p
  .replace(/^missing column\(s\): /, 'kolom yang tidak ada: ')
  .replace(/^unknown column\(s\): /, 'kolom tidak dikenal: ')
  .replace(/^repeated column\(s\): /, 'kolom berulang: ');

const RULES: Rule[] = [
  // Identifiers (NIK, KPJ, NIB, NPWP): the policy has both languages.
  [/^(NPWP_NIK): [^:]+: (\w+): .*$/, (m) => `${m[1]}: ${identifierMessage('NPWP_NIK', 'id')}: ${identifierMessage(m[2] as IdentifierRule, 'id')}`],
  [/^((?:NIK|KPJ|NIB|NPWP)_[A-Z_]+): (.*)$/, (m) => `${m[1]}: ${identifierMessage(m[1] as IdentifierRule, 'id') ?? m[2]}`],
  // zod 4's own messages (its English locale).
  [/^Invalid input: expected (\w+), received (\w+)$/, (m) => m[2] === 'undefined' ? `Wajib diisi: diharapkan ${type(m[1] as string)}` : `Jenis tidak sesuai: diharapkan ${type(m[1] as string)}, diterima ${type(m[2] as string)}`],
  [/^Invalid input: expected (.+)$/, (m) => `Nilai tidak sah: diharapkan ${m[1]}`],
  [/^Invalid option: expected one of (.+)$/, (m) => `Pilihan tidak sah: harus salah satu dari ${m[1]}`],
  [/^Too big: expected (\w+) to have (<=|<|exactly )(\d+) (\w+)$/, (m) => `Terlalu panjang: ${ORIGINS[m[1] as string] ?? m[1]} ${amount(m[2] as string, m[3] as string)} ${UNITS[m[4] as string] ?? m[4]}`],
  [/^Too big: expected (\w+) to be (<=|<|exactly )(-?[\d.e+]+)$/, (m) => `Terlalu besar: ${ORIGINS[m[1] as string] ?? m[1]} ${amount(m[2] as string, m[3] as string)}`],
  [/^Too small: expected (\w+) to have (>=|>|exactly )(\d+) (\w+)$/, (m) =>
    m[1] === 'string' && m[2] === '>=' && m[3] === '1' ? 'Tidak boleh kosong' : `Terlalu pendek: ${ORIGINS[m[1] as string] ?? m[1]} ${amount(m[2] as string, m[3] as string)} ${UNITS[m[4] as string] ?? m[4]}`],
  [/^Too small: expected (\w+) to be (>=|>|exactly )(-?[\d.e+]+)$/, (m) => `Terlalu kecil: ${ORIGINS[m[1] as string] ?? m[1]} ${amount(m[2] as string, m[3] as string)}`],
  [/^Invalid string: must match pattern (.+)$/, (m) => `Format tidak sah: harus sesuai pola ${m[1]}`],
  [/^Invalid string: must (start with|end with|include) (.+)$/, (m) => `Teks tidak sah: harus ${{ 'start with': 'diawali', 'end with': 'diakhiri', include: 'memuat' }[m[1] as string]} ${m[2]}`],
  [/^Invalid number: must be a multiple of (.+)$/, (m) => `Angka tidak sah: harus kelipatan ${m[1]}`],
  [/^Unrecognized keys?: (.+)$/, (m) => `Field tidak dikenal: ${m[1]}`],
  [/^Invalid key in (\w+)$/, (m) => `Kunci tidak sah dalam ${ORIGINS[m[1] as string] ?? m[1]}`],
  [/^Invalid value in (\w+)$/, (m) => `Nilai tidak sah dalam ${ORIGINS[m[1] as string] ?? m[1]}`],
  [/^Invalid input: more than one option matched$/, () => 'Nilai tidak sah: cocok dengan lebih dari satu bentuk'],
  [/^Invalid input$/, () => 'Nilai tidak sah'],
  [/^Invalid (.+)$/, (m) => `${FORMATS[m[1] as string] ?? m[1]} tidak sah`],
  // The schemas' own texts.
  [/^a calendar date YYYY-MM-DD (between .*)$/, (m) => `tanggal kalender YYYY-MM-DD ${DATE_RANGE(m[1] as string)}`],
  [/^a calendar date YYYY-MM-DD within 1900\.\.2199$/, () => 'tanggal kalender YYYY-MM-DD antara 1900 dan 2199'],
  [/^an RFC 3339 timestamp (between \S+ and \S+) with an offset within (.+)$/, (m) => `cap waktu RFC 3339 ${DATE_RANGE(m[1] as string)} dengan selisih zona waktu dalam ${m[2]}`],
  [/^an OPD code: 2-32 capital letters, digits or _$/, () => 'kode OPD: 2-32 huruf kapital, angka atau _'],
  [/^UANG_MUKA, TERMIN_<n> \(n = 1\.\.999, no leading zero\), RETENSI or PELUNASAN$/, () => 'UANG_MUKA, TERMIN_<n> (n = 1..999, tanpa nol di depan), RETENSI atau PELUNASAN'],
  [/^1-64 printable characters without spaces$/, () => '1-64 karakter yang dapat dicetak, tanpa spasi'],
  [/^printable characters only$/, () => 'hanya karakter yang dapat dicetak'],
  [/^digits only$/, () => 'hanya angka'],
  [/^at most 2 decimals$/, () => 'paling banyak 2 angka desimal'],
  [/^a program is listed twice$|^programs repeat$/, () => 'sebuah program tercantum dua kali'],
  [/^coverageEnd (?:must be on or after|before) coverageStart$/, () => 'coverageEnd harus sama dengan atau sesudah coverageStart'],
  [/^endDate must be on or after startDate$/, () => 'endDate harus sama dengan atau sesudah startDate'],
  [/^the corrected endDate must be on or after startDate$/, () => 'endDate yang dikoreksi harus sama dengan atau sesudah startDate'],
  [/^must be on or (before|after) (\w+) \((.+)\)$/, (m) => `harus sama dengan atau ${m[1] === 'before' ? 'sebelum' : 'sesudah'} ${m[2]} (${m[3]})`],
  [/^must not be before today \((.+)\)$/, (m) => `tidak boleh sebelum hari ini (${m[1]})`],
  [/^must not be later than (\S+) \(the project's maintenance end, or its end, plus 365 days\)$/, (m) => `tidak boleh sesudah ${m[1]} (akhir masa pemeliharaan paket, atau akhir pekerjaannya, ditambah 365 hari)`],
  [/^give exactly one of projectId and projectCode$/, () => 'isi tepat salah satu dari projectId dan projectCode'],
  [/^give at least one field to change$/, () => 'isi paling sedikit satu field yang diubah'],
  [/^give at least one of startDate, endDate or cancelled$/, () => 'isi paling sedikit satu dari startDate, endDate atau cancelled'],
  [/^give treeSize or cosigned=true, not both$/, () => 'isi treeSize atau cosigned=true, tidak keduanya'],
  [/^from must not (?:be after|exceed) to$/, () => 'from tidak boleh sesudah to'],
  [/^fromSeq must not exceed toSeq$/, () => 'fromSeq tidak boleh melebihi toSeq'],
  [/^the same date twice$/, () => 'tanggal yang sama tercantum dua kali'],
  [/^not in (\d+)$/, (m) => `tidak dalam tahun ${m[1]}`],
  [/^asOf lies in the future$/, () => 'asOf berada di masa depan'],
  [/^unknown field$/, () => 'field tidak dikenal'],
  [/^expected an object \{ (\w+): \[\.\.\.\] \}$/, (m) => `diharapkan objek { ${m[1]}: [...] }`],
  [/^expected an array of (workers|records)$/, (m) => `diharapkan daftar ${m[1] === 'workers' ? 'pekerja' : 'catatan'}`],
  [/^the import holds no records$/, () => 'impor tidak berisi catatan apa pun'],
  [/^the CSV is empty; expected the header (.+)$/, (m) => `CSV kosong; diharapkan header ${m[1]}`],
  [/^(.*(?:missing|unknown|repeated) column\(s\).*) \(expected (.+)\)$/, (m) => `${(m[1] as string).split('; ').map(columnProblem).join('; ')} (diharapkan ${m[2]})`],
  [/^this NIK is already on the roster at (.+)$/, (m) => `NIK ini sudah ada di daftar pada ${m[1]}`],
  [/^(\d+) workers: a roster holds at most (\d+)$/, (m) => `${m[1]} pekerja: daftar paling banyak memuat ${m[2]}`],
  [/^the roster already holds the maximum of (\d+) active workers$/, (m) => `daftar sudah memuat jumlah maksimum ${m[1]} pekerja aktif`],
  [/^the new roster is empty and would end every active assignment; send \?confirmEmpty=true if that is meant$/,
    () => 'daftar baru kosong dan akan mengakhiri semua penugasan aktif; kirim ?confirmEmpty=true bila memang itu maksudnya'],
  [/^no OPD with code (.+)$/, (m) => `tidak ada OPD dengan kode ${m[1]}`],
  [/^no contractor with id (.+)$/, (m) => `tidak ada penyedia dengan id ${m[1]}`],
  [/^OPD staff may register projects only for their own OPD \((.+)\)$/, (m) => `staf OPD hanya dapat mendaftarkan paket untuk OPD-nya sendiri (${m[1]})`],
  [/^OPD staff cannot move a project to another OPD$/, () => 'staf OPD tidak dapat memindahkan paket ke OPD lain'],
  [/^the project has an approved payment: a change of contractValue needs the addendum's number \(addendumRef\)$/,
    () => 'paket sudah memiliki pembayaran yang disetujui: perubahan contractValue memerlukan nomor adendum (addendumRef)'],
  [/^tree size (\d+) is beyond the head of the log \((\d+)\)$/, (m) => `ukuran pohon ${m[1]} melewati kepala log (${m[2]})`],
  [/^seq (\d+) is not in a tree of size (\d+)$/, (m) => `seq ${m[1]} tidak ada dalam pohon berukuran ${m[2]}`],
  [/^a witness key has type 0x04 \(Ed25519 cosignature\/v1\)$/, () => 'kunci saksi bertipe 0x04 (Ed25519 cosignature/v1)'],
  [/^expected "— <witness name> <base64 signature>"$/, () => 'diharapkan "— <nama saksi> <tanda tangan base64>"'],
  [/^not a cursor this API issued$/, () => 'bukan kursor yang diterbitkan API ini'],
  [/^must not contain the NUL character \(U\+0000\)$/, () => 'tidak boleh memuat karakter NUL (U+0000)'],
  [/^([A-Z_]+): (.+)$/, (m) => (REFUSALS[m[1] as string] ? `${m[1]}: ${REFUSALS[m[1] as string]}` : `${m[1]}: ${m[2]}`)],
];

/** The message of one field error in the request's language. */
export function fieldMessage(message: string, lang: Lang): string {
  if (lang === 'en') return message;
  for (const [pattern, say] of RULES) {
    const m = pattern.exec(message);
    if (m) return say(m);
  }
  return message;
}
