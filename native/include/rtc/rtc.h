/*
 * WebRtcNative: the data-channel subset of libdatachannel's C API (as of upstream v0.24),
 * written from the API's documented behaviour. ABI-compatible with upstream: same names,
 * argument order, struct layouts, enum values, callback signatures and error codes.
 */
#ifndef RTC_C_API
#define RTC_C_API

#ifdef __cplusplus
extern "C" {
#endif

#include <stdbool.h>
#include <stdint.h>

#ifndef RTC_C_EXPORT
#ifdef _WIN32
#ifdef RTC_EXPORTS
#define RTC_C_EXPORT __declspec(dllexport)
#else
#define RTC_C_EXPORT __declspec(dllimport)
#endif
#else
#define RTC_C_EXPORT __attribute__((visibility("default")))
#endif
#endif

#ifndef RTC_API
#if defined(_WIN32) && defined(CAPI_STDCALL)
#define RTC_API __stdcall
#else
#define RTC_API
#endif
#endif

#define RTC_VERSION "0.24.0"

#ifndef RTC_ENABLE_WEBSOCKET
#define RTC_ENABLE_WEBSOCKET 0
#endif

#ifndef RTC_ENABLE_MEDIA
#define RTC_ENABLE_MEDIA 0
#endif

/** Default MTU in bytes, used when rtcConfiguration.mtu is not positive. */
#define RTC_DEFAULT_MTU 1280

/** Peer connection state. */
typedef enum {
	RTC_NEW = 0,
	RTC_CONNECTING = 1,
	RTC_CONNECTED = 2,
	RTC_DISCONNECTED = 3,
	RTC_FAILED = 4,
	RTC_CLOSED = 5
} rtcState;

/** ICE transport state. */
typedef enum {
	RTC_ICE_NEW = 0,
	RTC_ICE_CHECKING = 1,
	RTC_ICE_CONNECTED = 2,
	RTC_ICE_COMPLETED = 3,
	RTC_ICE_FAILED = 4,
	RTC_ICE_DISCONNECTED = 5,
	RTC_ICE_CLOSED = 6
} rtcIceState;

/** ICE candidate gathering state. */
typedef enum {
	RTC_GATHERING_NEW = 0,
	RTC_GATHERING_INPROGRESS = 1,
	RTC_GATHERING_COMPLETE = 2
} rtcGatheringState;

/** JSEP signaling state. */
typedef enum {
	RTC_SIGNALING_STABLE = 0,
	RTC_SIGNALING_HAVE_LOCAL_OFFER = 1,
	RTC_SIGNALING_HAVE_REMOTE_OFFER = 2,
	RTC_SIGNALING_HAVE_LOCAL_PRANSWER = 3,
	RTC_SIGNALING_HAVE_REMOTE_PRANSWER = 4,
} rtcSignalingState;

/** Log verbosity, from nothing to everything. */
typedef enum {
	RTC_LOG_NONE = 0,
	RTC_LOG_FATAL = 1,
	RTC_LOG_ERROR = 2,
	RTC_LOG_WARNING = 3,
	RTC_LOG_INFO = 4,
	RTC_LOG_DEBUG = 5,
	RTC_LOG_VERBOSE = 6
} rtcLogLevel;

/** Type of the self-signed DTLS certificate. */
typedef enum {
	RTC_CERTIFICATE_DEFAULT = 0, // ECDSA
	RTC_CERTIFICATE_ECDSA = 1,
	RTC_CERTIFICATE_RSA = 2,
} rtcCertificateType;

/** Which ICE candidates may be used. */
typedef enum {
	RTC_TRANSPORT_POLICY_ALL = 0,
	RTC_TRANSPORT_POLICY_RELAY = 1,
} rtcTransportPolicy;

/** Success. */
#define RTC_ERR_SUCCESS 0
/** Invalid argument or unknown id. */
#define RTC_ERR_INVALID -1
/** Runtime error. */
#define RTC_ERR_FAILURE -2
/** Element not available yet, or nothing to read. */
#define RTC_ERR_NOT_AVAIL -3
/** Buffer too small. */
#define RTC_ERR_TOO_SMALL -4

/** Receives one log line. */
typedef void(RTC_API *rtcLogCallbackFunc)(rtcLogLevel level, const char *message);
/** Receives a local description (sdp) and its type ("offer" or "answer"). */
typedef void(RTC_API *rtcDescriptionCallbackFunc)(int pc, const char *sdp, const char *type,
                                                  void *ptr);
/** Receives a local ICE candidate line and its media id. */
typedef void(RTC_API *rtcCandidateCallbackFunc)(int pc, const char *cand, const char *mid,
                                                void *ptr);
/** Receives the new peer connection state. */
typedef void(RTC_API *rtcStateChangeCallbackFunc)(int pc, rtcState state, void *ptr);
/** Receives the new ICE state. */
typedef void(RTC_API *rtcIceStateChangeCallbackFunc)(int pc, rtcIceState state, void *ptr);
/** Receives the new gathering state. */
typedef void(RTC_API *rtcGatheringStateCallbackFunc)(int pc, rtcGatheringState state, void *ptr);
/** Receives the new signaling state. */
typedef void(RTC_API *rtcSignalingStateCallbackFunc)(int pc, rtcSignalingState state, void *ptr);
/** Receives a data channel opened by the remote peer. */
typedef void(RTC_API *rtcDataChannelCallbackFunc)(int pc, int dc, void *ptr);
/** Called when a channel opens. */
typedef void(RTC_API *rtcOpenCallbackFunc)(int id, void *ptr);
/** Called when a channel is closed. */
typedef void(RTC_API *rtcClosedCallbackFunc)(int id, void *ptr);
/** Receives an error message for a channel. */
typedef void(RTC_API *rtcErrorCallbackFunc)(int id, const char *error, void *ptr);
/** Receives a message: binary with size >= 0, string NUL-terminated with size = -(length + 1). */
typedef void(RTC_API *rtcMessageCallbackFunc)(int id, const char *message, int size, void *ptr);
/** Called when the buffered amount falls to or below the low threshold. */
typedef void(RTC_API *rtcBufferedAmountLowCallbackFunc)(int id, void *ptr);
/** Called when a message is available for rtcReceiveMessage. */
typedef void(RTC_API *rtcAvailableCallbackFunc)(int id, void *ptr);

/** Sets the log level and sink (NULL callback: log to stdout). */
RTC_C_EXPORT void rtcInitLogger(rtcLogLevel level, rtcLogCallbackFunc cb);

/** Attaches a user pointer to an object id; callbacks receive it as last argument. */
RTC_C_EXPORT void rtcSetUserPointer(int id, void *ptr);
/** Returns the user pointer of an object id, or NULL. */
RTC_C_EXPORT void *rtcGetUserPointer(int id);

/** Peer connection configuration. */
typedef struct {
	const char **iceServers;
	int iceServersCount;
	const char *proxyServer; // libnice backend only
	const char *bindAddress; // NULL for IP_ANY_ADDR
	rtcCertificateType certificateType;
	rtcTransportPolicy iceTransportPolicy;
	bool enableIceTcp;    // libnice only
	bool enableIceUdpMux; // libjuice only
	bool disableAutoNegotiation;
	bool forceMediaTransport;
	uint16_t portRangeBegin; // 0 means automatic
	uint16_t portRangeEnd;   // 0 means automatic
	int mtu;                 // <= 0 means automatic
	int maxMessageSize;      // <= 0 means default
} rtcConfiguration;

/** Creates a peer connection; returns its id or a negative error. */
RTC_C_EXPORT int rtcCreatePeerConnection(const rtcConfiguration *config);
/** Closes a peer connection and all its channels. Messages already sent still reach the peer:
 * SCTP ends with a graceful SHUTDOWN, bounded to 2 s (WebRtcNative behaviour). */
RTC_C_EXPORT int rtcClosePeerConnection(int pc);
/** Closes and deletes a peer connection; no callback for it runs after this returns. Does not
 * wait for a graceful SCTP shutdown (what is unsent may be lost). */
RTC_C_EXPORT int rtcDeletePeerConnection(int pc);

/** Sets the callback for local descriptions. */
RTC_C_EXPORT int rtcSetLocalDescriptionCallback(int pc, rtcDescriptionCallbackFunc cb);
/** Sets the callback for local candidates. */
RTC_C_EXPORT int rtcSetLocalCandidateCallback(int pc, rtcCandidateCallbackFunc cb);
/** Sets the callback for connection state changes. */
RTC_C_EXPORT int rtcSetStateChangeCallback(int pc, rtcStateChangeCallbackFunc cb);
/** Sets the callback for ICE state changes. */
RTC_C_EXPORT int rtcSetIceStateChangeCallback(int pc, rtcIceStateChangeCallbackFunc cb);
/** Sets the callback for gathering state changes. */
RTC_C_EXPORT int rtcSetGatheringStateChangeCallback(int pc, rtcGatheringStateCallbackFunc cb);
/** Sets the callback for signaling state changes. */
RTC_C_EXPORT int rtcSetSignalingStateChangeCallback(int pc, rtcSignalingStateCallbackFunc cb);

/** Creates the local description of the given type ("offer", "answer", or NULL for automatic). */
RTC_C_EXPORT int rtcSetLocalDescription(int pc, const char *type);
/** Applies a remote description ("offer" or "answer"; NULL type: read from context). */
RTC_C_EXPORT int rtcSetRemoteDescription(int pc, const char *sdp, const char *type);
/** Adds a remote ICE candidate line (with or without "a="); mid may be NULL. */
RTC_C_EXPORT int rtcAddRemoteCandidate(int pc, const char *cand, const char *mid);

/** Copies the local description; returns the size including NUL. */
RTC_C_EXPORT int rtcGetLocalDescription(int pc, char *buffer, int size);
/** Copies the remote description; returns the size including NUL. */
RTC_C_EXPORT int rtcGetRemoteDescription(int pc, char *buffer, int size);

/** Copies the local description type. */
RTC_C_EXPORT int rtcGetLocalDescriptionType(int pc, char *buffer, int size);
/** Copies the remote description type. */
RTC_C_EXPORT int rtcGetRemoteDescriptionType(int pc, char *buffer, int size);

/** Creates an offer without applying it. */
RTC_C_EXPORT int rtcCreateOffer(int pc, char *buffer, int size);
/** Creates an answer without applying it. */
RTC_C_EXPORT int rtcCreateAnswer(int pc, char *buffer, int size);

/** Copies the local address of the selected candidate pair ("ip:port"). */
RTC_C_EXPORT int rtcGetLocalAddress(int pc, char *buffer, int size);
/** Copies the remote address of the selected candidate pair ("ip:port"). */
RTC_C_EXPORT int rtcGetRemoteAddress(int pc, char *buffer, int size);

/** Copies both candidates of the selected pair. */
RTC_C_EXPORT int rtcGetSelectedCandidatePair(int pc, char *local, int localSize, char *remote,
                                             int remoteSize);

/** Whether a new offer/answer exchange is needed. */
RTC_C_EXPORT bool rtcIsNegotiationNeeded(int pc);

/** Largest usable data channel stream id. */
RTC_C_EXPORT int rtcGetMaxDataChannelStream(int pc);
/** The remote max-message-size. */
RTC_C_EXPORT int rtcGetRemoteMaxMessageSize(int pc);

/** Sets the callback for data channels opened by the remote peer. */
RTC_C_EXPORT int rtcSetDataChannelCallback(int pc, rtcDataChannelCallbackFunc cb);

/** Sets the callback called when a channel opens. */
RTC_C_EXPORT int rtcSetOpenCallback(int id, rtcOpenCallbackFunc cb);
/** Sets the callback called when a channel closes. */
RTC_C_EXPORT int rtcSetClosedCallback(int id, rtcClosedCallbackFunc cb);
/** Sets the callback called on a channel error. */
RTC_C_EXPORT int rtcSetErrorCallback(int id, rtcErrorCallbackFunc cb);
/** Sets the callback called for each received message. */
RTC_C_EXPORT int rtcSetMessageCallback(int id, rtcMessageCallbackFunc cb);
/** Sends a message: binary with size >= 0, a NUL-terminated string with size < 0. */
RTC_C_EXPORT int rtcSendMessage(int id, const char *data, int size);
/** Closes a channel. */
RTC_C_EXPORT int rtcClose(int id);
/** Closes and deletes a channel; no callback for it runs after this returns. */
RTC_C_EXPORT int rtcDelete(int id);
/** Whether the channel is open. */
RTC_C_EXPORT bool rtcIsOpen(int id);
/** Whether the channel is closed. */
RTC_C_EXPORT bool rtcIsClosed(int id);

/** Largest message the channel can send. */
RTC_C_EXPORT int rtcMaxMessageSize(int id);
/** Bytes queued for sending. */
RTC_C_EXPORT int rtcGetBufferedAmount(int id);
/** Sets the threshold of the buffered-amount-low callback. */
RTC_C_EXPORT int rtcSetBufferedAmountLowThreshold(int id, int amount);
/** Sets the callback called when the buffered amount falls to the threshold. */
RTC_C_EXPORT int rtcSetBufferedAmountLowCallback(int id, rtcBufferedAmountLowCallbackFunc cb);

/** Bytes available to rtcReceiveMessage. */
RTC_C_EXPORT int rtcGetAvailableAmount(int id);
/** Sets the callback called when a message becomes available. */
RTC_C_EXPORT int rtcSetAvailableCallback(int id, rtcAvailableCallbackFunc cb);
/** Pops one queued message; *size is its size (negative for strings, as in the callback). */
RTC_C_EXPORT int rtcReceiveMessage(int id, char *buffer, int *size);

/** Data channel reliability parameters. */
typedef struct {
	bool unordered;
	bool unreliable;
	unsigned int maxPacketLifeTime; // ignored if reliable
	unsigned int maxRetransmits;    // ignored if reliable
} rtcReliability;

/** Data channel creation options. */
typedef struct {
	rtcReliability reliability;
	const char *protocol; // empty string if NULL
	bool negotiated;
	bool manualStream;
	uint16_t stream; // numeric ID 0-65534, ignored if manualStream is false
} rtcDataChannelInit;

/** Creates a reliable ordered data channel; returns its id. */
RTC_C_EXPORT int rtcCreateDataChannel(int pc, const char *label);
/** Creates a data channel with options; returns its id. */
RTC_C_EXPORT int rtcCreateDataChannelEx(int pc, const char *label,
                                        const rtcDataChannelInit *init);
/** Closes and deletes a data channel. */
RTC_C_EXPORT int rtcDeleteDataChannel(int dc);

/** The SCTP stream id of a channel. */
RTC_C_EXPORT int rtcGetDataChannelStream(int dc);
/** Copies the channel label. */
RTC_C_EXPORT int rtcGetDataChannelLabel(int dc, char *buffer, int size);
/** Copies the channel sub-protocol. */
RTC_C_EXPORT int rtcGetDataChannelProtocol(int dc, char *buffer, int size);
/** Copies the channel reliability parameters. */
RTC_C_EXPORT int rtcGetDataChannelReliability(int dc, rtcReliability *reliability);

/** Loads and initializes the library ahead of first use. */
RTC_C_EXPORT void rtcPreload(void);
/** Deletes every remaining object, joins every library thread and shuts usrsctp down, so that
 * the library can be unloaded; a later call (e.g. rtcCreatePeerConnection) starts it again.
 * Must not run concurrently with any other call. */
RTC_C_EXPORT void rtcCleanup(void);

/** SCTP tuning; every field <= 0 keeps the default. */
typedef struct {
	int recvBufferSize;             // in bytes, <= 0 means optimized default
	int sendBufferSize;             // in bytes, <= 0 means optimized default
	int maxChunksOnQueue;           // in chunks, <= 0 means optimized default
	int initialCongestionWindow;    // in MTUs, <= 0 means optimized default
	int maxBurst;                   // in MTUs, 0 means optimized default, -1 means disabled
	int congestionControlModule;    // 0: RFC2581 (default), 1: HSTCP, 2: H-TCP, 3: RTCC
	int delayedSackTimeMs;          // in milliseconds, 0 means optimized default, -1 means disabled
	int minRetransmitTimeoutMs;     // in milliseconds, <= 0 means optimized default
	int maxRetransmitTimeoutMs;     // in milliseconds, <= 0 means optimized default
	int initialRetransmitTimeoutMs; // in milliseconds, <= 0 means optimized default
	int maxRetransmitAttempts;      // number of retransmissions, <= 0 means optimized default
	int heartbeatIntervalMs;        // in milliseconds, <= 0 means optimized default
} rtcSctpSettings;

/** Applies SCTP settings to connections created afterwards. */
RTC_C_EXPORT int rtcSetSctpSettings(const rtcSctpSettings *settings);

/** Sets the number of threads that run user callbacks. */
RTC_C_EXPORT int rtcSetThreadPoolSize(unsigned int count);

/*
 * WebRtcNative extensions: entry points that upstream libdatachannel does not export. A caller that
 * may run on upstream must look them up at run time (dlsym / GetProcAddress / NativeLibrary.TryGetExport)
 * and fall back to the upstream calls when they are missing. docs/interop.md lists them.
 */

/**
 * Extension: sends a text message (PPID "WebRTC String") of exactly `size` bytes of UTF-8 from `data`.
 * Unlike rtcSendMessage(id, data, -1), the length is explicit, so the text may contain U+0000.
 * size 0 sends an empty string (data may then be NULL). Returns RTC_ERR_SUCCESS or a negative error,
 * as rtcSendMessage does (RTC_ERR_INVALID for a negative size or a message larger than the
 * channel's max message size).
 */
RTC_C_EXPORT int rtcSendText(int id, const char *data, int size);

/**
 * Extension: ICE restart (RFC 8445 section 9, W3C RTCPeerConnection.restartIce()). The next local
 * offer (rtcSetLocalDescription(pc, "offer")) carries new ice-ufrag/ice-pwd; the peer, seeing new
 * credentials in a remote offer, restarts its ICE too and answers with new ones. Local candidates
 * are gathered again (the addresses present now, and the configured STUN/TURN servers): the
 * description carries the new host candidates and the candidate callback announces them after
 * it; checks start over, and data moves to the new pair once one is selected. DTLS and SCTP keep
 * their association, so no message is lost or duplicated. While it runs a disconnected connection
 * has 30 s to find a path before it fails. Before the first exchange completes it does nothing.
 * Returns RTC_ERR_SUCCESS, RTC_ERR_INVALID for an unknown id, RTC_ERR_FAILURE once closed.
 * docs/ice-restart.md.
 */
RTC_C_EXPORT int rtcRestartIce(int pc);

/**
 * Extension (docs/stats.md): statistics of a peer connection, filled by rtcGetStats. Versioned:
 * set `size` to sizeof(rtcStats) before the call. The library fills the fields that both your
 * version and its own have, and sets `size` to the number of bytes it filled; later versions only
 * append fields. Counters start at 0 when the connection is created and never go back.
 */
typedef struct {
	int size;                  // in: sizeof(rtcStats) as the caller knows it; out: bytes filled
	int channelCount;          // data channels of the connection that are not closed
	uint64_t bytesSent;        // payload bytes of data channel messages accepted for sending
	uint64_t bytesReceived;    // payload bytes of data channel messages received
	uint64_t messagesSent;     // data channel messages accepted for sending (DCEP not counted)
	uint64_t messagesReceived; // data channel messages received (DCEP not counted)
	uint64_t sctpRetransmissions; // SCTP DATA chunks sent again (timeout or fast retransmit)
	int bufferedAmount;        // bytes queued for sending over all channels
	int sctpSmoothedRttMs;     // smoothed RTT of the SCTP path, -1 before the association is up
	int sctpCongestionWindow;  // congestion window in bytes, -1 before the association is up
	int sctpRtoMs;             // current retransmission timeout, -1 before the association is up
	int sctpPeerReceiveWindow; // the peer's advertised receive window in bytes, -1 likewise
	int sctpUnackedChunks;     // DATA chunks sent and not yet acknowledged, -1 likewise
	int dtlsCipherSuite;       // IANA number of the DTLS cipher suite, 0 before the handshake
	int localPort;             // port of the selected pair's local candidate, 0 without a pair
	int remotePort;            // port of the selected pair's remote candidate, 0 without a pair
} rtcStats;

/**
 * Extension: fills `stats` (whose `size` the caller set) with the connection's statistics.
 * Cheap (no allocation visible to the caller); meant to be called every frame. Returns
 * RTC_ERR_SUCCESS, or RTC_ERR_INVALID for an unknown id, a NULL pointer or a size below
 * sizeof(int). The addresses of the selected pair come from rtcGetSelectedCandidatePair.
 */
RTC_C_EXPORT int rtcGetStats(int pc, rtcStats *stats);

/**
 * Extension: copies the IANA name of the DTLS cipher suite in use (e.g.
 * "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), with the string getter convention (NULL buffer:
 * size needed). RTC_ERR_NOT_AVAIL before the DTLS handshake completed.
 */
RTC_C_EXPORT int rtcGetDtlsCipher(int pc, char *buffer, int size);

/** Extension: statistics of a data channel, filled by rtcGetDataChannelStats; versioned as rtcStats. */
typedef struct {
	int size;                  // in: sizeof(rtcDataChannelStats) as the caller knows it; out: bytes filled
	int stream;                // SCTP stream id, -1 while not assigned
	uint64_t bytesSent;        // payload bytes of messages accepted for sending on this channel
	uint64_t bytesReceived;    // payload bytes of messages received on this channel
	uint64_t messagesSent;     // messages accepted for sending on this channel
	uint64_t messagesReceived; // messages received on this channel
	int bufferedAmount;        // bytes queued for sending on this channel
} rtcDataChannelStats;

/** Extension: fills `stats` (whose `size` the caller set) with the channel's statistics. */
RTC_C_EXPORT int rtcGetDataChannelStats(int dc, rtcDataChannelStats *stats);

/**
 * Extension: adds the certificate authorities in the PEM file `pemFile` to the trust anchors that
 * "turns:" (TURN over TLS) server certificates are checked against, besides the system trust
 * store; NULL or "" removes them again. Process-wide; applies to peer connections created
 * afterwards. Returns RTC_ERR_SUCCESS, or RTC_ERR_INVALID (setting unchanged) when the file cannot
 * be read or holds no certificate. docs/turn-tcp-tls.md says what is verified.
 */
RTC_C_EXPORT int rtcSetTurnCaFile(const char *pemFile);

#ifdef __cplusplus
} // extern "C"
#endif

#endif
