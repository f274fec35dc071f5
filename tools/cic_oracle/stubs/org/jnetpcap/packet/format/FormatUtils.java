// The one jnetpcap call CICFlowMeter's flow classes make: an address as text.
package org.jnetpcap.packet.format;

public final class FormatUtils {
  public static String ip(byte[] a) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < a.length; i++) {
      if (i > 0) s.append('.');
      s.append(a[i] & 0xff);
    }
    return s.toString();
  }
}
