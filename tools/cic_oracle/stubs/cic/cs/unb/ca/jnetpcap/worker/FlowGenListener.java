// The callback FlowGenerator reports finished flows to.
package cic.cs.unb.ca.jnetpcap.worker;

public interface FlowGenListener {
  void onFlowGenerated(cic.cs.unb.ca.jnetpcap.BasicFlow flow);
}
