#!/usr/bin/env bash
# Base images for docker-compose.yml and the Dockerfile.native-micro files, without a registry when none answers.
#
# Stands in for: quay.io/coreos/etcd:v3.5.17 (compose's etcd) and quay.io/quarkus/ubi9-quarkus-micro-image:2.0 (the
# base of both services' native images). Why: on machines where no image registry answers (CI here, air-gapped hosts)
# neither can be pulled. Where a registry answers, this script pulls the real images and does nothing else.
# Otherwise it assembles each from the files of this machine's Debian packages (dpkg -L), imports it (docker import)
# and tags it with the upstream name, so that neither the Dockerfiles nor docker-compose.yml change:
#   - etcd: Debian's etcd-server and etcd-client (etcd 3.4, where the real image has 3.5; same flags, same API);
#   - micro: glibc, bash as /bin/sh and coreutils, as in the UBI micro image (the Dockerfiles' RUN chown, and their
#     HEALTHCHECK, which opens its connection with bash's /dev/tcp), /tmp, and, when the executables were built by
#     the stand-in native toolchain (../shared/native-toolchain, an RPATH to its jdkshared folder), that folder: such
#     executables link the JDK's libraries dynamically, a real Mandrel build does not.
#
#   deploy/local/base-images.sh [path/to/a/native-runner]   # the runner decides whether jdkshared is needed
set -euo pipefail

ETCD_IMAGE=quay.io/coreos/etcd:v3.5.17
MICRO_IMAGE=quay.io/quarkus/ubi9-quarkus-micro-image:2.0
DOCKER=${DOCKER:-docker}
runner=${1:-}

if $DOCKER pull -q "$ETCD_IMAGE" >/dev/null 2>&1 && $DOCKER pull -q "$MICRO_IMAGE" >/dev/null 2>&1; then
  echo "pulled $ETCD_IMAGE and $MICRO_IMAGE"
  exit 0
fi
echo "no registry answers: assembling stand-ins for $ETCD_IMAGE and $MICRO_IMAGE from Debian packages"

work=$(mktemp -d -t microkit-base-images-XXXXXX)
trap 'rm -rf "$work"' EXIT

# rootfs dir packages...: the files of installed Debian packages, in a usr-merged tree like Debian 12's
rootfs() {
  local root=$1
  shift
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" "$root/tmp" "$root/work"
  for dir in bin sbin lib lib64; do ln -sfn "usr/$dir" "$root/$dir"; done
  local pkg
  for pkg in "$@"; do
    dpkg -L "$pkg" >/dev/null 2>&1 || { echo "package $pkg is not installed: apt-get install $pkg" >&2; exit 1; }
    dpkg -L "$pkg" | while read -r path; do
      if [ -f "$path" ] || [ -L "$path" ]; then cp -a --parents "$path" "$root/" 2>/dev/null || true; fi
    done
  done
  # cp --parents makes missing folders private (mktemp's too): every folder readable, /tmp writable by all
  find "$root" -type d -exec chmod 755 {} +
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1001:0:user:/work:/bin/sh\n' > "$root/etc/passwd"
  printf 'root:x:0:\n' > "$root/etc/group"
}

import() { # dir image: imports the tree as image, with a PATH
  tar -C "$1" -c . | $DOCKER import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$2" >/dev/null
  echo "assembled $2 ($(du -sh "$1" | cut -f1))"
}

rootfs "$work/etcd" etcd-server etcd-client libc6
import "$work/etcd" "$ETCD_IMAGE"

rootfs "$work/micro" libc6 libgcc-s1 zlib1g bash libtinfo6 coreutils libselinux1 libpcre2-8-0
ln -sfn bash "$work/micro/usr/bin/sh"
if [ -n "$runner" ]; then
  rpath=$(readelf -d "$runner" 2>/dev/null | sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p')
  if [ -n "$rpath" ]; then
    mkdir -p "$work/micro$rpath"
    cp -a "$rpath/." "$work/micro$rpath/"
    echo "added $rpath: $runner was built by a native toolchain that links the JDK's libraries dynamically"
  fi
fi
import "$work/micro" "$MICRO_IMAGE"
