read -r w
[ "$w" = exit ] && exit 3
if [ "$w" = loop ]; then while :; do :; done; fi
x=a; while :; do x=$x$x; done
