package dev.shoal.agent.portmap;

/** What a mapping forwards: TCP for the wire protocol, UDP for uTP on the same port number. */
enum IpProtocol {
  UDP(1),
  TCP(2);

  /** The NAT-PMP opcode that maps it (RFC 6886 3.3); the answer's opcode is this plus 128. */
  final int natPmpOpcode;

  IpProtocol(int natPmpOpcode) {
    this.natPmpOpcode = natPmpOpcode;
  }
}
