#!/usr/bin/env bash
# Rebuilds the DICOM reference corpus in test/fixtures/dicom/ with Debian's dcmtk, so that
# anyone can check what test/dicom/reference.test.ts compares our parser against.
#
#   files/       the DICOM files: copies of pydicom's test files (Debian package
#                python3-pydicom, paths below) plus files generated here with dcmodify/dcmconv
#   reference/   what dcmtk reads from each file, one of:
#                  NAME.json   dcm2json +m output (every value converted to UTF-8; +m adds the
#                              meta header, for the transfer syntax); long InlineBinary
#                              (pixel data) strings are cut short, as nothing compares them
#                  NAME.dump   dcmdump +L -Un output, where dcm2json refuses the file. The first
#                              line says whether dcmdump converted the text to UTF-8 (+U8) or,
#                              because dcmtk cannot convert that character set, printed the
#                              raw bytes (the test then decodes them itself)
#                  NAME.error  dcmtk's error message, for files dcmtk cannot read at all
#
# Needs: dcmtk (dcm2json, dcmdump, dcmodify, dcmconv), node, and python3-pydicom (only for its
# data files). Run from anywhere: scripts/dicom-reference.sh. The generated files are deterministic
# for a given dcmtk version (checked with dcmtk 3.6.7).
set -euo pipefail

PYDICOM_DATA=${PYDICOM_DATA:-/usr/lib/python3/dist-packages/pydicom/data}
TEST_FILES=$PYDICOM_DATA/test_files          # pydicom's test_files
CHARSET_FILES=$PYDICOM_DATA/charset_files    # pydicom's charset_files (from dclunie.com)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIXTURES=$ROOT/test/fixtures/dicom
FILES=$FIXTURES/files
REFERENCE=$FIXTURES/reference

for tool in dcm2json dcmdump dcmodify dcmconv; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install dcmtk" >&2; exit 1; }
done
[ -d "$TEST_FILES" ] || { echo "missing $TEST_FILES: apt-get install python3-pydicom" >&2; exit 1; }

rm -rf "$FILES" "$REFERENCE"
mkdir -p "$FILES" "$REFERENCE"

# --- 1. pydicom's files, chosen for their transfer syntax or oddity --------------------------
PYDICOM_PICKS=(
  CT_small.dcm                      # explicit VR little endian, GE CT header
  MR_small_implicit.dcm             # implicit VR little endian
  MR_small_bigendian.dcm            # explicit VR big endian
  image_dfl.dcm                     # deflated explicit VR little endian
  MR_small_RLE.dcm                  # RLE lossless, encapsulated pixel data
  JPEG-lossy.dcm                    # JPEG extended (process 2+4)
  SC_rgb_jpeg_dcmtk.dcm             # JPEG baseline
  SC_rgb_jpeg_gdcm.dcm              # JPEG lossless, first-order prediction
  MR_small_jpeg_ls_lossless.dcm     # JPEG-LS lossless
  JPEG2000.dcm                      # JPEG 2000
  MR_small_jp2klossless.dcm         # JPEG 2000 lossless only
  ExplVR_LitEndNoMeta.dcm           # no preamble, no meta header, explicit VR little endian
  ExplVR_BigEndNoMeta.dcm           # no preamble, no meta header, explicit VR big endian
  no_meta_group_length.dcm          # meta header without (0002,0000); no UIDs
  meta_missing_tsyntax.dcm          # meta header without (0002,0010); no UIDs
  empty_charset_LEI.dcm             # empty (0008,0005); no UIDs
  reportsi_with_empty_number_tags.dcm  # empty DA/TM/IS values
  badVR.dcm                         # an element with an invalid VR
  MR_truncated.dcm                  # cut inside the pixel data
  rtplan_truncated.dcm              # cut inside the header
  no_meta.dcm                       # CT_small's data set after one stray byte: unreadable
)
for f in "${PYDICOM_PICKS[@]}"; do cp "$TEST_FILES/$f" "$FILES/$f"; done
for f in "$CHARSET_FILES"/chr*.dcm; do cp "$f" "$FILES/"; done

# --- 2. generated files with the rarer indexed attributes --------------------------------------
# One study/series built from CT_small.dcm, then written in every encoding; each encoding is
# a separate instance (own SOPInstanceUID and InstanceNumber) so the set ingests as one series.
STUDY=2.25.190283746501928374650192837465019283
SERIES=$STUDY.1
gen=$FILES/gen_ct_rare.dcm
cp "$TEST_FILES/CT_small.dcm" "$gen"
dcmodify -q -nb \
  -m "(0020,000d)=$STUDY" -m "(0020,000e)=$SERIES" -m "(0008,0018)=$SERIES.1" -m "(0020,0013)=1" \
  -i "(0010,2201)=Mus musculus" \
  -i "(0010,2202)[0].(0008,0100)=447612001" \
  -i "(0010,2202)[0].(0008,0102)=SCT" \
  -i "(0010,2202)[0].(0008,0104)=Mus musculus" \
  -i "(0010,2160)=Hispanic" \
  -i "(0010,1010)=045Y" \
  -i "(0008,1030)=CT Chest with contrast" \
  -i "(0008,1080)=Suspected fracture\\Headache" \
  -i "(0008,103e)=Axial 1.25mm" \
  -i "(0018,0015)=CHEST" \
  -i "(0018,1030)=Thorax 1.25mm" \
  -i "(0012,0053)=ENROLLMENT" \
  -i "(0012,0052)=14.5" \
  "$gen"

# encoding name, dcmconv options, instance number
convert() {
  local name=$1 n=$2; shift 2
  local out=$FILES/gen_ct_rare_$name.dcm
  cp "$gen" "$out.tmp"
  dcmodify -q -nb -m "(0008,0018)=$SERIES.$n" -m "(0020,0013)=$n" "$out.tmp"
  dcmconv -q "$@" "$out.tmp" "$out"
  rm -f "$out.tmp"
}
convert implicit 2 +ti -e          # implicit VR LE, sequences and items of undefined length
convert bigendian 3 +tb            # explicit VR big endian
convert deflated 4 +td             # deflated explicit VR LE
convert nometa_explicit 5 -F +te   # bare data set, explicit VR LE
convert nometa_implicit 6 -F +ti   # bare data set, implicit VR LE
# Meta header but no preamble: drop the 128-byte preamble and "DICM".
cp "$gen" "$FILES/gen_ct_rare_nopreamble.tmp"
dcmodify -q -nb -m "(0008,0018)=$SERIES.7" -m "(0020,0013)=7" "$FILES/gen_ct_rare_nopreamble.tmp"
tail -c +133 "$FILES/gen_ct_rare_nopreamble.tmp" > "$FILES/gen_ct_rare_nopreamble.dcm"
rm -f "$FILES/gen_ct_rare_nopreamble.tmp"

# Odd values on MR_small.dcm, in UTF-8: leading/trailing spaces, an invalid date, a legacy
# ACR-NEMA date, empty values, partial and fractional times, multi-valued text and DS, an
# empty species sequence.
odd=$FILES/gen_mr_odd_values.dcm
cp "$TEST_FILES/MR_small.dcm" "$odd"
dcmodify -q -nb \
  -m "(0020,000e)=2.25.190283746501928374650192837465019283.2" \
  -m "(0008,0018)=2.25.190283746501928374650192837465019283.2.1" \
  -i "(0008,0005)=ISO_IR 192" \
  -m "(0010,0010)=Müller^Jürgen^^Dr.  " \
  -i "(0008,1030)=  Étude ünïcode  " \
  -i "(0010,2201)=Hund — Canis lupus familiaris" \
  -i "(0010,2202)" \
  -m "(0008,0020)=20231345" \
  -m "(0008,0021)=" \
  -m "(0010,0030)=1980.05.17" \
  -m "(0008,0030)=1530" \
  -m "(0008,0031)=153012.123456" \
  -i "(0018,1020)=V1.0\\V2.3 " \
  -m "(0028,0030)=0.3125\\0.3126" \
  -m "(0018,0050)= 2.50" \
  -m "(0020,0013)= 7" \
  -i "(0020,0012)=" \
  -m "(0020,0011)=+5" \
  "$odd"

# An empty SOPInstanceUID (deleting it instead makes dcmtk invent a random
# MediaStorageSOPInstanceUID, so the file would differ on every run; pydicom's files
# without UIDs cover absence).
emptysop=$FILES/gen_mr_empty_sop.dcm
cp "$TEST_FILES/MR_small.dcm" "$emptysop"
dcmodify -q -nb -nmu -m "(0008,0018)=" "$emptysop"

# Cut-off files: inside the header, and inside a deflated data set.
head -c 900 "$gen" > "$FILES/gen_ct_truncated_header.dcm"
head -c 3000 "$FILES/gen_ct_rare_deflated.dcm" > "$FILES/gen_ct_deflated_truncated.dcm"

# --- 3. the reference reader's output ------------------------------------------------------
# Binary values (pixel data above all) are not compared and would make up most of the
# JSON, so long InlineBinary strings are cut to 64 characters, marked with "...".
shorten_inline_binary() {
  node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, text.replace(/("InlineBinary": ")([A-Za-z0-9+\/=]{64})[A-Za-z0-9+\/=]+"/g, "$1$2...\""));
  ' "$1"
}
for path in "$FILES"/*.dcm; do
  name=$(basename "$path" .dcm)
  if dcm2json +m "$path" > "$REFERENCE/$name.json" 2> "$REFERENCE/$name.stderr"; then
    rm -f "$REFERENCE/$name.stderr"
    shorten_inline_binary "$REFERENCE/$name.json"
    continue
  fi
  rm -f "$REFERENCE/$name.json"
  # dcm2json refuses compressed pixel data and character sets its iconv cannot convert.
  if { echo "# reference: dcmdump +U8 +L -Un (text converted to UTF-8)"; dcmdump +U8 +L -Un "$path"; } \
      > "$REFERENCE/$name.dump" 2>/dev/null; then
    rm -f "$REFERENCE/$name.stderr"
    continue
  fi
  if { echo "# reference: dcmdump +L -Un (raw bytes: dcmtk cannot convert this character set)"; dcmdump +L -Un "$path"; } \
      > "$REFERENCE/$name.dump" 2>/dev/null; then
    rm -f "$REFERENCE/$name.stderr"
    continue
  fi
  rm -f "$REFERENCE/$name.dump"
  # Unreadable: keep dcm2json's own error lines (not warnings), without the local path.
  grep -v '^W: ' "$REFERENCE/$name.stderr" | sed "s|$FILES/||g" > "$REFERENCE/$name.error"
  rm -f "$REFERENCE/$name.stderr"
done

echo "$(ls "$FILES" | wc -l) files, $(du -sh "$FILES" | cut -f1): $(ls "$REFERENCE"/*.json | wc -l) json," \
  "$(ls "$REFERENCE"/*.dump 2>/dev/null | wc -l) dump, $(ls "$REFERENCE"/*.error 2>/dev/null | wc -l) error"
