// What a JVM chose, as one JSON line: MaxHeapSize and ActiveProcessorCount as the VM holds them
// (HotSpotDiagnosticMXBean, the values -XX:+PrintFlagsFinal prints), availableProcessors() and
// maxMemory(). Compiled once by examples/runtimes/harness.ts, run by jvm.test.ts.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

public class Probe {
  public static void main(String[] args) {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    Runtime rt = Runtime.getRuntime();
    System.out.println(
        "{\"javaVersion\":\"" + System.getProperty("java.version") + "\""
            + ",\"maxHeapSize\":" + vm.getVMOption("MaxHeapSize").getValue()
            + ",\"activeProcessorCount\":" + vm.getVMOption("ActiveProcessorCount").getValue()
            + ",\"availableProcessors\":" + rt.availableProcessors()
            + ",\"maxMemory\":" + rt.maxMemory() + "}");
  }
}
