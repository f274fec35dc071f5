"""UDP traffic on lo for the aarch64 test VM (tools/arm_vm_test.sh).

    python3 udp_replay.py PACKETS   send PACKETS datagrams, then exit
    python3 udp_replay.py 0         send until killed

200-byte datagrams to 127.0.0.1:9999 from 500 source ports (500 flows),
paced in bursts of 100 with 2 ms between them, so that a reader is not
measured on a kernel that drops.
"""
import itertools
import socket
import sys
import time

count = int(sys.argv[1])
sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(500)]
payload = b"x" * 200
for i in range(count) if count else itertools.count():
    sockets[i % 500].sendto(payload, ("127.0.0.1", 9999))
    if i % 100 == 99:
        time.sleep(0.002)
