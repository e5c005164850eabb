# Sourced by the scripts that start headless Chromium (run-chromium.sh, selfpair.sh): sets the
# array chromium_flags to the flags of the brief / DEVELOPERS.md plus the mDNS choice, or returns 1.
# WRN_CHROMIUM_MDNS=default (the default): Chromium as shipped, hiding its host address behind a
#   "<uuid>.local" mDNS candidate; =off: --disable-features=WebRtcHideLocalIpsWithMdns.
chromium_flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
	--disable-component-update --disable-sync --no-first-run --window-size=1280,760)
case "${WRN_CHROMIUM_MDNS:-default}" in
default) ;;
off) chromium_flags+=(--disable-features=WebRtcHideLocalIpsWithMdns) ;;
*) echo "SETUP-ERROR: WRN_CHROMIUM_MDNS must be default or off" >&2; return 1 ;;
esac
echo "chromium mDNS candidates: ${WRN_CHROMIUM_MDNS:-default}" >&2
