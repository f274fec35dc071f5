// Runs CICFlowMeter's own flow classes (BasicFlow, BasicPacketInfo,
// FlowGenerator, taken from a CICFlowMeter checkout by run.sh, never stored
// here) over a pcap file, for a differential check of netflower's CIC
// layouts. The capture is read here, in the way CICFlowMeter's PacketReader
// fills a BasicPacketInfo from jnetpcap: IPv4 only; TCP and UDP ports,
// flags, window, header length, payload = every captured byte after the
// TCP/UDP header (Ethernet padding included); other IPv4 packets, non-first
// fragments and cut TCP/UDP headers with protocol 0; microsecond timestamps.
// Link layers: Ethernet (VLAN tags, PPPoE sessions, MPLS), raw IPv4, Linux
// cooked (v1, v2), PPP, BSD loopback.
//
//   java CicOracle dataset|master CAPTURE OUT.csv
import cic.cs.unb.ca.jnetpcap.BasicFlow;
import cic.cs.unb.ca.jnetpcap.BasicPacketInfo;
import cic.cs.unb.ca.jnetpcap.FlowGenerator;
import cic.cs.unb.ca.jnetpcap.IdGenerator;
import cic.cs.unb.ca.jnetpcap.worker.FlowGenListener;
import java.io.DataInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.lang.reflect.Method;
import java.util.Arrays;

public class CicOracle {
  static final String HEADER = "header";

  public static void main(String[] args) throws Exception {
    final boolean master = args[0].equals("master");
    final File out = new File(args[2]);
    out.delete();
    FlowGenerator gen = new FlowGenerator(true, 120000000L, 5000000L);
    final FileOutputStream rows = master ? new FileOutputStream(out) : null;
    if (master) {
      rows.write((HEADER + System.lineSeparator()).getBytes());
      gen.addFlowListener(new FlowGenListener() {
        public void onFlowGenerated(BasicFlow flow) {
          try {
            rows.write((flow.dumpFlowBasedFeaturesEx() + System.lineSeparator()).getBytes());
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }
      });
    }
    IdGenerator ids = new IdGenerator();
    try (DataInputStream in =
             new DataInputStream(new BufferedInputStream(new FileInputStream(args[1])))) {
      byte[] h = new byte[24];
      in.readFully(h);
      long magic = le32(h, 0);
      boolean nanos = magic == 0xa1b23c4dL;
      if (magic != 0xa1b2c3d4L && !nanos) throw new IOException("not a little-endian pcap");
      long linkType = le32(h, 20);
      byte[] rec = new byte[16];
      while (true) {
        try {
          in.readFully(rec);
        } catch (EOFException e) {
          break;
        }
        long sec = le32(rec, 0), frac = le32(rec, 4);
        long caplen = le32(rec, 8);
        if (caplen > 262144) break;  // a damaged record: stop, as at a damaged end
        byte[] frame = new byte[(int) caplen];
        try {
          in.readFully(frame);
        } catch (EOFException e) {
          break;
        }
        long micros = sec * 1000000L + (nanos ? frac / 1000 : frac);
        BasicPacketInfo p = parse(frame, linkType, micros, ids);
        if (p != null) gen.addPacket(p);
      }
    }
    if (master) {
      rows.close();
      Method m = FlowGenerator.class.getMethod("dumpLabeledCurrentFlow", String.class, String.class);
      m.invoke(gen, out.getPath(), HEADER);
    } else {
      Method m = FlowGenerator.class.getMethod(
          "dumpLabeledFlowBasedFeatures", String.class, String.class, String.class);
      m.invoke(gen, "", out.getPath(), HEADER);
    }
  }

  static long le32(byte[] b, int o) {
    return (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16
        | (b[o + 3] & 0xffL) << 24;
  }

  static int be16(byte[] b, int o) { return (b[o] & 0xff) << 8 | (b[o + 1] & 0xff); }

  static BasicPacketInfo parse(byte[] f, long linkType, long micros, IdGenerator ids) {
    int off;
    if (linkType == 1) {  // Ethernet, with 802.1Q tags, PPPoE, MPLS
      off = 12;
      if (f.length < 14) return null;
      int type = be16(f, off);
      while ((type == 0x8100 || type == 0x88a8) && f.length >= off + 6) {
        off += 4;
        type = be16(f, off);
      }
      off += 2;
      if (type == 0x8864) {  // PPPoE session: 6 bytes, then the PPP protocol
        if (f.length < off + 8 || be16(f, off + 6) != 0x0021) return null;
        off += 8;
      } else if (type == 0x8847) {  // MPLS: labels to the bottom of the stack
        while (f.length >= off + 4 && (f[off + 2] & 1) == 0) off += 4;
        off += 4;
      } else if (type != 0x0800) {
        return null;
      }
    } else if (linkType == 101 || linkType == 228) {  // raw IPv4
      off = 0;
    } else if (linkType == 113) {  // Linux cooked
      if (f.length < 16 || be16(f, 14) != 0x0800) return null;
      off = 16;
    } else if (linkType == 276) {  // Linux cooked v2
      if (f.length < 20 || be16(f, 0) != 0x0800) return null;
      off = 20;
    } else if (linkType == 9) {  // PPP, with or without address and control
      off = f.length >= 2 && (f[0] & 0xff) == 0xff && f[1] == 0x03 ? 2 : 0;
      if (f.length < off + 2 || be16(f, off) != 0x0021) return null;
      off += 2;
    } else if (linkType == 0 || linkType == 108) {  // BSD loopback: AF_INET is 2
      if (f.length < 4 || (le32(f, 0) != 2 && (be16(f, 0) << 16 | be16(f, 2)) != 2)) return null;
      off = 4;
    } else {
      return null;
    }
    if (f.length < off + 20 || (f[off] >> 4 & 0xf) != 4) return null;
    int ihl = (f[off] & 0xf) * 4;
    if (ihl < 20 || f.length < off + ihl) return null;
    BasicPacketInfo p = new BasicPacketInfo(ids);
    p.setSrc(Arrays.copyOfRange(f, off + 12, off + 16));
    p.setDst(Arrays.copyOfRange(f, off + 16, off + 20));
    p.setTimeStamp(micros);
    int proto = f[off + 9] & 0xff;
    boolean firstFragment = (be16(f, off + 6) & 0x1fff) == 0;
    int l4 = off + ihl;
    if (proto == 6 && firstFragment && f.length >= l4 + 20) {
      int hdr = (f[l4 + 12] >> 4 & 0xf) * 4;
      int flags = f[l4 + 13] & 0xff;
      p.setTCPWindow(be16(f, l4 + 14));
      p.setSrcPort(be16(f, l4));
      p.setDstPort(be16(f, l4 + 2));
      p.setProtocol(6);
      p.setFlagFIN((flags & 0x01) != 0);
      p.setFlagSYN((flags & 0x02) != 0);
      p.setFlagRST((flags & 0x04) != 0);
      p.setFlagPSH((flags & 0x08) != 0);
      p.setFlagACK((flags & 0x10) != 0);
      p.setFlagURG((flags & 0x20) != 0);
      p.setFlagECE((flags & 0x40) != 0);
      p.setFlagCWR((flags & 0x80) != 0);
      p.setPayloadBytes(Math.max(0, f.length - l4 - hdr));
      p.setHeaderBytes(hdr);
    } else if (proto == 17 && firstFragment && f.length >= l4 + 8) {
      p.setSrcPort(be16(f, l4));
      p.setDstPort(be16(f, l4 + 2));
      p.setPayloadBytes(f.length - l4 - 8);
      p.setHeaderBytes(8);
      p.setProtocol(17);
    }  // else protocol 0: other protocols, non-first fragments, cut TCP/UDP headers
    return p;
  }
}
