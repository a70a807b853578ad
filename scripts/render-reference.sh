#!/usr/bin/env bash
# Rebuilds test/fixtures/render/: small source images (test/render/fixture-images.ts) and every
# transfer-syntax variant of them made with dcmtk, which test/render/reference.test.ts
# renders with our renderer and with dcmtk's dcmj2pnm and compares pixel by pixel.
#
#   NAME.dcm            explicit VR little endian source (one display feature each)
#   NAME.SYNTAX.dcm     the same pixels in another transfer syntax:
#                         implicit, bigendian, deflated   dcmconv +ti / +tb / +td
#                         rle                             dcmcrle
#                         jpeg-sv1, jpeg-p14              dcmcjpeg +e1 / +el (lossless, process 14)
#                         jpeg-baseline, jpeg-extended    dcmcjpeg +eb / +ee (lossy, 8 / 12 bit)
#                         jpegls, jpegls-near             dcmcjpls (lossless / near-lossless +en)
# dcmtk (Debian) writes no JPEG 2000; the JPEG 2000 files of test/fixtures/dicom are compared
# with their native twins instead. Lossy variants keep the source's SOP Instance UID (+un), which
# a real archive would not, so that the files come out the same on every run. Needs: dcmtk,
# node. Deterministic for dcmtk 3.6.7.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/test/fixtures/render
for tool in dcmconv dcmcrle dcmcjpeg dcmcjpls; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install dcmtk" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT"
(cd "$ROOT" && node --import tsx test/render/fixture-images.ts "$OUT")

variant() { # source syntax tool options...
  local src=$1 syntax=$2 tool=$3; shift 3
  "$tool" -q "$@" "$OUT/$src.dcm" "$OUT/$src.$syntax.dcm"
}

variant ct16s_3f implicit dcmconv +ti
variant ct16s_3f bigendian dcmconv +tb
variant ct16s_3f deflated dcmconv +td
variant ct16s_3f rle dcmcrle
variant ct16s_3f jpeg-sv1 dcmcjpeg +e1
variant ct16s_3f jpeg-p14 dcmcjpeg +el
variant ct16s_3f jpegls dcmcjpls

variant mono12_m1 rle dcmcrle
variant mono12_m1 jpeg-sv1 dcmcjpeg +e1
variant mono12_m1 jpeg-extended dcmcjpeg +ee +un
variant mono12_m1 jpegls dcmcjpls
variant mono12_m1 jpegls-near dcmcjpls +en +un

variant mono8 rle dcmcrle
variant mono8 jpeg-baseline dcmcjpeg +eb +un
variant mono8 jpeg-sv1 dcmcjpeg +e1
variant mono8 jpegls dcmcjpls

variant rgb8 rle dcmcrle
variant rgb8 jpeg-baseline dcmcjpeg +eb +un
variant rgb8 jpeg-sv1 dcmcjpeg +e1
variant rgb8 jpegls dcmcjpls
variant rgb8_planar rle dcmcrle

variant palette8 rle dcmcrle
variant palette8 jpeg-sv1 dcmcjpeg +e1
variant palette8 jpegls dcmcjpls

echo "$(ls "$OUT" | wc -l) files, $(du -sh "$OUT" | cut -f1) in $OUT"
