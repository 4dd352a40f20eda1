/// memops' own version, written into every manifest.
public let memopsVersion = "0.1.0"
