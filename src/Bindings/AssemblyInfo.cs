using System.Runtime.CompilerServices;

// The raw layer only uses blittable types (bool is a 1-byte field, enums are ints, strings are byte*),
// so runtime marshalling is off: structs are passed as-is and bool fields match C's 1-byte _Bool.
[assembly: DisableRuntimeMarshalling]

[assembly: InternalsVisibleTo("WebRtcNative.Bindings.Tests")]
