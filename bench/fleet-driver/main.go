// Fleet driver for bench/fleet.ts: one process holding N paired nodes over quic-go (not the Node QUIC stack), hand-built frames.
//
// Input: a JSON file of nodes ({deviceId, certPem, keyPem}) and the daemon CA. Each node dials with its own
// UDP socket and device certificate, registers the `echo` capability, opens its task channel, answers
// echo tasks and heartbeats at the interval the daemon gives. Commands on stdin, one a line:
//
//	drop   every node's socket is closed without a CONNECTION_CLOSE (the daemon sees dead connections),
//	       then every node redials at once with a fresh socket
//	quit   exit
//
// Status on stdout, one line per change (at most every 20 ms): `status up=<n> dials=<n> refused=<n> errors=<n>`.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

const (
	alpn             = "palyra-quic-v1"
	methodPrefix     = "/palyra.node.v1.NodeService/"
	frameRequest     = 1
	frameMessage     = 2
	frameError       = 3
	protocolVersion  = 1
	closeConnLimit   = 2
	backoffInitialMs = 500
	backoffMaxMs     = 30_000
)

type nodeSpec struct {
	DeviceID string `json:"deviceId"`
	CertPem  string `json:"certPem"`
	KeyPem   string `json:"keyPem"`
}

var (
	up, dials, refused, failures int64
	changed                      = make(chan struct{}, 1)
)

func bump(counter *int64, delta int64) {
	atomic.AddInt64(counter, delta)
	select {
	case changed <- struct{}{}:
	default:
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7444", "daemon QUIC address")
	nodesFile := flag.String("nodes", "", "JSON file of nodes")
	caFile := flag.String("ca", "", "daemon CA PEM")
	keepAlive := flag.Duration("keepalive", 0, "QUIC keep-alive period; 0, as the node host: its heartbeats keep the connection busy")
	flag.Parse()

	var specs []nodeSpec
	raw, err := os.ReadFile(*nodesFile)
	must(err)
	must(json.Unmarshal(raw, &specs))
	caPem, err := os.ReadFile(*caFile)
	must(err)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPem) {
		must(errors.New("no CA certificate in " + *caFile))
	}
	remote, err := net.ResolveUDPAddr("udp", *addr)
	must(err)

	nodes := make([]*node, len(specs))
	for i, spec := range specs {
		cert, err := tls.X509KeyPair([]byte(spec.CertPem), []byte(spec.KeyPem))
		must(err)
		nodes[i] = &node{
			spec:   spec,
			remote: remote,
			tls:    &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots, ServerName: "localhost", NextProtos: []string{alpn}, MinVersion: tls.VersionTLS13},
			// No path MTU probes, as the node host (quiche's default): quic-go's rode on every beat until they converged.
			quic:   &quic.Config{MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: *keepAlive, HandshakeIdleTimeout: 10 * time.Second, DisablePathMTUDiscovery: true},
			redial: make(chan struct{}, 1),
		}
	}
	go report()
	for _, n := range nodes {
		go n.run()
	}
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		switch scanner.Text() {
		case "drop":
			for _, n := range nodes {
				n.drop()
			}
		case "quit":
			return
		}
	}
}

func report() {
	last := ""
	for range changed {
		line := fmt.Sprintf("status up=%d dials=%d refused=%d errors=%d", atomic.LoadInt64(&up), atomic.LoadInt64(&dials), atomic.LoadInt64(&refused), atomic.LoadInt64(&failures))
		if line != last {
			fmt.Println(line)
			last = line
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet-driver:", err)
		os.Exit(2)
	}
}

type node struct {
	spec   nodeSpec
	remote *net.UDPAddr
	tls    *tls.Config
	quic   *quic.Config
	mu     sync.Mutex
	socket net.PacketConn
	redial chan struct{}
}

// drop kills the connection silently: the socket goes away before quic-go can send a close.
func (n *node) drop() {
	n.mu.Lock()
	if n.socket != nil {
		n.socket.Close()
		n.socket = nil
	}
	n.mu.Unlock()
	select {
	case n.redial <- struct{}{}:
	default:
	}
}

func (n *node) run() {
	attempt := 0
	for {
		registered, err := n.session()
		if registered {
			attempt = 0
		}
		var appErr *quic.ApplicationError
		if errors.As(err, &appErr) && appErr.Remote && appErr.ErrorCode == closeConnLimit {
			bump(&refused, 1)
		} else if err != nil {
			bump(&failures, 1)
		}
		select {
		case <-n.redial:
			// A storm redials at once, as a node whose network came back does.
		default:
			ceiling := backoffInitialMs << min(attempt, 6)
			if ceiling > backoffMaxMs {
				ceiling = backoffMaxMs
			}
			floor := backoffInitialMs / 2
			attempt++
			select {
			case <-time.After(time.Duration(floor+rand.Intn(ceiling-floor+1)) * time.Millisecond):
			case <-n.redial:
			}
		}
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// session is one connection: register, open the task channel, heartbeat and echo until it dies.
func (n *node) session() (registered bool, err error) {
	// Drain a drop that arrived between sessions; this session dials fresh anyway.
	select {
	case <-n.redial:
	default:
	}
	socket, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return false, err
	}
	n.mu.Lock()
	n.socket = socket
	n.mu.Unlock()
	defer socket.Close()
	bump(&dials, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	conn, err := quic.DialContext(ctx, socket, n.remote, "localhost", n.tls, n.quic)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.CloseWithError(0, "")
	deviceID := idMessage(n.spec.DeviceID)

	var register []byte
	register = appendVarintField(register, 1, 1)
	register = appendBytesField(register, 2, deviceID)
	register = appendBytesField(register, 3, []byte("linux-x86_64"))
	register = appendBytesField(register, 4, appendVarintField(appendBytesField(nil, 1, []byte("echo")), 2, 1))
	reply, err := unary(conn, "RegisterNode", register)
	if err != nil {
		return false, err
	}
	intervalMs := int64(fieldVarint(reply, 5))
	// RegisterNodeResponse.channel_heartbeats: beat on the task channel rather than a stream per beat.
	channelBeats := fieldVarint(reply, 6) == 1

	channel, err := conn.OpenStreamSync(context.Background())
	if err != nil {
		return false, err
	}
	hello := appendBytesField(appendVarintField(nil, 2, 16), 1, deviceID)
	if _, err := channel.Write(requestFrame("OpenTaskChannel", appendBytesField(appendVarintField(nil, 1, 1), 2, hello))); err != nil {
		return false, err
	}
	bump(&up, 1)
	defer bump(&up, -1)
	// The heartbeat goroutine and the echo loop both write to the channel.
	var writeMu sync.Mutex
	writeChannel := func(b []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		_, err := channel.Write(b)
		return err
	}

	beats := make(chan error, 1)
	go func() {
		for {
			interval := time.Duration(atomic.LoadInt64(&intervalMs)) * time.Millisecond
			if interval < time.Second {
				interval = time.Second
			}
			// The beats are the keep-alive: at most half the 30 s idle timeout apart, as the node host.
			if interval > 15*time.Second {
				interval = 15 * time.Second
			}
			// 10 % either way, as the node host does.
			interval = time.Duration(float64(interval) * (0.9 + rand.Float64()*0.2))
			select {
			case <-conn.Context().Done():
				return
			case <-time.After(interval):
			}
			var beat []byte
			beat = appendVarintField(beat, 1, 1)
			beat = appendBytesField(beat, 2, deviceID)
			beat = appendVarintField(beat, 3, uint64(time.Now().UnixMilli()))
			if channelBeats {
				// OpenTaskChannelRequest.heartbeat; the answer comes back among the channel's messages.
				if err := writeChannel(frame(frameMessage, appendBytesField(appendVarintField(nil, 1, 1), 4, beat))); err != nil {
					beats <- err
					conn.CloseWithError(0, "heartbeat failed")
					return
				}
				continue
			}
			reply, err := unary(conn, "Heartbeat", beat)
			if err != nil {
				beats <- err
				conn.CloseWithError(0, "heartbeat failed")
				return
			}
			if next := fieldVarint(reply, 4); next > 0 {
				atomic.StoreInt64(&intervalMs, int64(next))
			}
		}
	}()

	for {
		kind, body, err := readFrame(channel)
		if err != nil {
			select {
			case beatErr := <-beats:
				return true, beatErr
			default:
			}
			return true, err
		}
		if kind == frameError {
			return true, fmt.Errorf("task channel error: %s", body)
		}
		if answer := fieldBytes(body, 5); answer != nil {
			if next := fieldVarint(answer, 4); next > 0 {
				atomic.StoreInt64(&intervalMs, int64(next))
			}
			continue
		}
		task := fieldBytes(body, 2)
		if task == nil {
			continue
		}
		var result []byte
		result = appendVarintField(result, 1, 1)
		result = appendBytesField(result, 2, fieldBytes(task, 3))
		update := appendBytesField(appendBytesField(nil, 1, fieldBytes(task, 1)), 3, result)
		if err := writeChannel(frame(frameMessage, appendBytesField(appendVarintField(nil, 1, 1), 3, update))); err != nil {
			return true, err
		}
	}
}

// unary is one call on its own stream: request frame, FIN, one answer.
func unary(conn quic.Connection, method string, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, err
	}
	stream.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := stream.Write(requestFrame(method, payload)); err != nil {
		return nil, err
	}
	stream.Close()
	kind, body, err := readFrame(stream)
	if err != nil {
		return nil, err
	}
	if kind == frameError {
		return nil, fmt.Errorf("%s: %s", method, body)
	}
	return body, nil
}

func requestFrame(method string, payload []byte) []byte {
	name := methodPrefix + method
	rest := append([]byte{byte(len(name))}, name...)
	return frame(frameRequest, append(rest, payload...))
}

func frame(kind byte, rest []byte) []byte {
	out := make([]byte, 6, 6+len(rest))
	binary.BigEndian.PutUint32(out, uint32(2+len(rest)))
	out[4] = kind
	out[5] = protocolVersion
	return append(out, rest...)
}

// readFrame returns a frame's kind and the bytes after its version.
func readFrame(r io.Reader) (byte, []byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return 0, nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(header[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	if len(body) < 2 {
		return 0, nil, errors.New("short frame")
	}
	return body[0], body[2:], nil
}

// Protobuf by hand: only varint and length-delimited fields are used by these messages.

func idMessage(ulid string) []byte { return appendBytesField(nil, 1, []byte(ulid)) }

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return appendVarint(appendVarint(b, uint64(field)<<3), v)
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = appendVarint(appendVarint(b, uint64(field)<<3|2), uint64(len(v)))
	return append(b, v...)
}

func readVarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		if i == 10 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

// walk calls visit for each field until visit returns true; stops at malformed input.
func walk(b []byte, visit func(field int, wire int, varint uint64, bytes []byte) bool) {
	for len(b) > 0 {
		key, n := readVarint(b)
		if n < 0 {
			return
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		switch wire {
		case 0:
			v, m := readVarint(b)
			if m < 0 {
				return
			}
			b = b[m:]
			if visit(field, wire, v, nil) {
				return
			}
		case 2:
			l, m := readVarint(b)
			if m < 0 || uint64(len(b)-m) < l {
				return
			}
			v := b[m : m+int(l)]
			b = b[m+int(l):]
			if visit(field, wire, 0, v) {
				return
			}
		case 1:
			if len(b) < 8 {
				return
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return
			}
			b = b[4:]
		default:
			return
		}
	}
}

func fieldVarint(b []byte, want int) (out uint64) {
	walk(b, func(field, wire int, v uint64, _ []byte) bool {
		if field == want && wire == 0 {
			out = v
			return true
		}
		return false
	})
	return
}

func fieldBytes(b []byte, want int) (out []byte) {
	walk(b, func(field, wire int, _ uint64, v []byte) bool {
		if field == want && wire == 2 {
			out = v
			return true
		}
		return false
	})
	return
}
