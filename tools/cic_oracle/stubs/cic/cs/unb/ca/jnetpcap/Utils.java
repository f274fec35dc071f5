// The line separator master's FlowGenerator imports.
package cic.cs.unb.ca.jnetpcap;

public final class Utils {
  public static final String LINE_SEP = System.lineSeparator();
}
