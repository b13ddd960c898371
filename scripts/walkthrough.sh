#!/usr/bin/env bash
# The README walk-through: run it while `npm start` runs (bash scripts/walkthrough.sh). Re-runnable:
# every run registers its own contractor and project (codes from the clock); it stops at the first
# request that fails (curl --fail-with-body prints the problem+json first).
set -euo pipefail
API=${API:-http://localhost:3000}
RUN=$(date +%s)                       # 10 digits: makes this run's codes unique
ADMIN=$(npm run -s token -- --role admin)
OPD=$(npm run -s token -- --role opd --opd DPUPR)
FIN=$(npm run -s token -- --role finance)
INSP=$(npm run -s token -- --role inspector)
# 429/503 answers (rate limit, overload) carry Retry-After: curl waits and tries again, up to 3 times.
call() { curl -sS --fail-with-body --retry 3 -w '\n' "$@"; }
id() { node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'; }

echo '# Reference data and a contractor (admin)'
call $API/v1/opds -H "authorization: Bearer $ADMIN"
CONTRACTOR=$(call $API/v1/contractors -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"name":"PT Musi Konstruksi '$RUN'","nib":"912'$RUN'","npwp":"01.312.166.0-091.000","bpjsEmployerNumber":"16012345"}' | id)

echo "# A project of DPUPR, registered with BPJS (Jakon 2501$RUN), half its premium paid (OPD staff)"
PROJECT=$(call $API/v1/projects -H "authorization: Bearer $OPD" -H 'content-type: application/json' -d '{
  "code":"PKG-'$RUN'","name":"Rehabilitasi Jalan Demang Lebar Daun","opdCode":"DPUPR",
  "contractorId":"'$CONTRACTOR'","fundingSource":"APBD","fiscalYear":2026,"contractNumber":"027/SPK/DPUPR/2026",
  "contractValue":1110000000,"startDate":"2026-01-05","endDate":"2027-12-31",
  "bpjsRegistrationNumber":"2501'$RUN'","bpjsPremiumPaid":875000}' | id)

echo '# The roster, as CSV (OPD staff)'
printf 'nik,name,kpj,role,startDate,endDate\n1671011505900001,Ahmad Fauzi,25010000001,TUKANG,2026-01-05,\n1671025203880002,Siti Rahmawati,25010000002,MANDOR,2026-01-05,\n' |
  call -X PUT $API/v1/projects/$PROJECT/workers -H "authorization: Bearer $OPD" -H 'content-type: text/csv' --data-binary @-

echo '# BPJS status of the workers, as NDJSON (admin); asOf is when BPJS produced the data'
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' \
  '{"nik":"1671011505900001","kpj":"25010000001","name":"Ahmad Fauzi","status":"ACTIVE","programs":["JKK","JKM"],"coverageStart":"2026-01-01","coverageEnd":"2099-12-31","segment":"JAKON","projectNumber":"2501'$RUN'","asOf":"'$NOW'"}' \
  '{"nik":"1671025203880002","kpj":"25010000002","name":"Siti Rahmawati","status":"ACTIVE","programs":["JKK","JKM","JHT","JP"],"coverageStart":"2025-07-01","coverageEnd":"2099-12-31","segment":"PU","employerNpp":"16012345","asOf":"'$NOW'"}' |
  call $API/v1/memberships/import -H "authorization: Bearer $ADMIN" -H 'content-type: application/x-ndjson' --data-binary @-

echo "# BPJS's record of the project's Jakon registration, as CSV (admin): policy v2 judges this, not the figures typed on the project"
printf 'projectNumber,status,premiumRequired,premiumPaid,asOf\n2501%s,PESERTA,1750000,875000,%s\n' "$RUN" "$NOW" |
  call $API/v1/registrations/import -H "authorization: Bearer $ADMIN" -H 'content-type: text/csv' --data-binary @-

echo '# What would the gate say today? (dry run: records nothing)'
call "$API/v1/projects/$PROJECT/compliance" -H "authorization: Bearer $OPD"

echo '# The finance system asks before paying the advance: APPROVED (201)'
REQUEST='{"projectCode":"PKG-'$RUN'","stage":"UANG_MUKA","amount":150000000,"requestRef":"SPM-'$RUN'/BPKAD/2026"}'
ADVANCE=$(call $API/v1/disbursements -H "authorization: Bearer $FIN" -H "idempotency-key: spm-$RUN-1" \
  -H 'content-type: application/json' -d "$REQUEST")
echo "$ADVANCE"
DECISION=$(echo "$ADVANCE" | id)
echo '# The same key and body again (a retry after a lost answer): the stored decision, 200, Idempotent-Replayed: true'
call -i $API/v1/disbursements -H "authorization: Bearer $FIN" -H "idempotency-key: spm-$RUN-1" \
  -H 'content-type: application/json' -d "$REQUEST" | grep -iE '^HTTP/|^idempotent-replayed'
echo '# Its signed receipt, for the finance system to file with the SP2D'
call $API/v1/disbursements/$DECISION/receipt -H "authorization: Bearer $FIN"

echo '# A worker nobody imported a status for blocks the next stage (201 BLOCKED: MEMBERSHIP_UNVERIFIED, retryable)'
call $API/v1/projects/$PROJECT/workers -H "authorization: Bearer $OPD" -H 'content-type: application/json' \
  -d '{"nik":"1671030107950003","name":"Budi Santoso","kpj":"25010000003","role":"TUKANG","startDate":"2026-02-01"}'
call $API/v1/disbursements -H "authorization: Bearer $FIN" -H "idempotency-key: spm-$RUN-2" \
  -H 'content-type: application/json' -d '{"projectCode":"PKG-'$RUN'","stage":"TERMIN_1","amount":300000000,"requestRef":"SPM-'$RUN'-2/BPKAD/2026"}'

echo '# The mandor says Budi never came: the OPD corrects the assignment, with a reason (audited); the next stage is APPROVED,'
echo '# with ROSTER_CORRECTED (warn) naming him, so the correction is seen by whoever pays'
BUDI=$(call "$API/v1/projects/$PROJECT/workers" -H "authorization: Bearer $OPD" |
  node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).items.find((w) => w.nik === "1671030107950003").assignmentId')
call $API/v1/projects/$PROJECT/workers/$BUDI/corrections -H "authorization: Bearer $OPD" -H 'content-type: application/json' \
  -d '{"startDate":"2026-02-01","endDate":"2026-02-01","reason":"Tidak pernah bekerja: absensi mandor Februari 2026"}'
call $API/v1/disbursements -H "authorization: Bearer $FIN" -H "idempotency-key: spm-$RUN-3" \
  -H 'content-type: application/json' -d '{"projectCode":"PKG-'$RUN'","stage":"TERMIN_1","amount":300000000,"requestRef":"SPM-'$RUN'-3/BPKAD/2026"}'

echo '# The Inspektorat: verify the chain, keep a signed checkpoint, export, and verify both offline'
call $API/v1/audit/verify -H "authorization: Bearer $INSP"
call $API/v1/audit/checkpoint -H "authorization: Bearer $INSP" > checkpoint.json
call $API/v1/audit/events -H "authorization: Bearer $INSP" -H 'accept: application/x-ndjson' > export.ndjson
call $API/v1/audit/jwks.json > jwks.json
npm run -s audit:verify -- export.ndjson --checkpoint checkpoint.json --jwks jwks.json
echo "# Done: run $RUN. checkpoint.json is what an inspector keeps off this machine."
