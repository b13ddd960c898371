-- Reference data: the OPDs of Kota Palembang (codes are ours, names the city's). Re-runnable.
INSERT INTO opds (code, name) VALUES
  ('DPUPR', 'Dinas Pekerjaan Umum dan Penataan Ruang'),
  ('PERKIM', 'Dinas Perumahan Rakyat dan Kawasan Permukiman'),
  ('DINKES', 'Dinas Kesehatan'),
  ('DISDIK', 'Dinas Pendidikan'),
  ('DISHUB', 'Dinas Perhubungan'),
  ('DLHK', 'Dinas Lingkungan Hidup dan Kebersihan'),
  ('DISNAKER', 'Dinas Tenaga Kerja'),
  ('DISPORA', 'Dinas Pemuda dan Olahraga'),
  ('BPBD', 'Badan Penanggulangan Bencana Daerah'),
  ('BPKAD', 'Badan Pengelola Keuangan dan Aset Daerah'),
  ('INSPEKTORAT', 'Inspektorat')
ON CONFLICT (code) DO NOTHING;
