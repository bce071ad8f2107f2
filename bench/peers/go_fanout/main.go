// Command fanout is a drop-in replacement, in Go, for bench/peers/fanout_client.py: the
// chat fan-out bench's load, one process holding some members of one room.
//
//	fanout [-descriptors FILE] TARGET ROOM TOTAL FIRST COUNT
//
// holds members m{FIRST} .. m{FIRST+COUNT-1} of a room of TOTAL, 50 to an HTTP/2 connection,
// and speaks the same JSON lines as the Python one: `{"ready": true}` at start, then
//
//   - {"do": "join"}: join every member (50 at a time per connection, concurrently within a
//     batch), answer {"present": true, "seconds": S, "dropped": D} once every member knows all
//     TOTAL names (from its Joined, then its MemberJoined events, one by one or batched in
//     Presence events);
//   - {"do": "round", "messages": M}: answer {"ready": true} at once, then {"done": true,
//     "latencies_ms": [...], "last_receipt": T, "dropped": D} once every member has received
//     M more room messages;
//   - {"do": "send", "messages": M, "rate": R}: member FIRST sends M messages, R a second,
//     each "{n} {send time}"; answers {"sent": M, "started": T, "seconds": S} after the last.
//
// Every time (send times in the messages, last_receipt, started) is CLOCK_MONOTONIC in
// seconds: the clock of Python's time.monotonic() on Linux, so this process, the Python one
// and the bench compare times. A member the server drops counts as present and done, and is
// reported in `dropped`. End of input ends the process at once.
//
// No generated code: the messages are built with dynamicpb from tp3's descriptor set
// (tp3/generated/tp3.binpb, a FileDescriptorSet of all the protos, imports included), found
// with -descriptors, else next to this source file's checkout (the path recorded at build),
// else in the working directory or one of its parents.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

const (
	perConnection = 50                // HTTP/2 allows ~100 concurrent streams on a connection
	joinTimeout   = 120 * time.Second // the Joined may queue behind a whole room's presence
	chatMethod    = "/tp3.chat.v1.ChatService/Chat"
	descriptors   = "tp3/generated/tp3.binpb" // relative to the project's root
)

var chatStream = grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}

// monotonic is Python's time.monotonic() on Linux: CLOCK_MONOTONIC in seconds (Go's own
// monotonic readings have an origin of their own, meaningless to another process).
func monotonic() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		fatal("clock_gettime: %v", err)
	}
	return float64(ts.Nano()) / 1e9
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fanout: "+format+"\n", args...)
	os.Exit(1)
}

// ---- replies: one JSON line each, formatted as Python's json.dumps would ----

var stdout sync.Mutex

func say(fields ...string) {
	line := "{" + strings.Join(fields, ", ") + "}\n"
	stdout.Lock()
	defer stdout.Unlock()
	if _, err := os.Stdout.WriteString(line); err != nil {
		fatal("stdout: %v", err)
	}
}

func field(name, value string) string { return strconv.Quote(name) + ": " + value }

// pyFloat writes a float as Python's repr does (shortest digits that read back the same).
func pyFloat(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return map[bool]string{true: "Infinity", false: "-Infinity"}[v > 0] // NaN: not here
	}
	exp := 0
	if v != 0 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		exp, _ = strconv.Atoi(s[strings.IndexByte(s, 'e')+1:])
	}
	if exp < -4 || exp >= 16 {
		return strconv.FormatFloat(v, 'e', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// round3 is Python's round(v, 3): correctly rounded, ties to even.
func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	return r
}

// ---- the chat contract, through dynamicpb ----

type contract struct {
	request, join, send, response  protoreflect.MessageDescriptor
	reqJoin, reqSend               protoreflect.FieldDescriptor
	joinRoom, joinName, joinBatch  protoreflect.FieldDescriptor
	sendText                       protoreflect.FieldDescriptor
	event                          protoreflect.OneofDescriptor
	respJoined, respMessage        protoreflect.FieldDescriptor
	respMemberJoined, respPresence protoreflect.FieldDescriptor
	joinedMembers, memberName      protoreflect.FieldDescriptor
	messageText, memberJoinedName  protoreflect.FieldDescriptor
	presenceChanges, changeJoined  protoreflect.FieldDescriptor
}

func findDescriptors(flagged string) string {
	if flagged != "" {
		return flagged
	}
	var places []string
	if _, source, _, ok := runtime.Caller(0); ok && filepath.IsAbs(source) {
		// this file is bench/peers/go_fanout/main.go in the project
		places = append(places, filepath.Join(filepath.Dir(source), "..", "..", "..", descriptors))
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			places = append(places, filepath.Join(dir, descriptors))
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	for _, place := range places {
		if _, err := os.Stat(place); err == nil {
			return place
		}
	}
	fatal("no %s found (looked in %s); name it with -descriptors", descriptors, strings.Join(places, ", "))
	return ""
}

func loadContract(path string) *contract {
	data, err := os.ReadFile(path)
	if err != nil {
		fatal("%v", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(data, &set); err != nil {
		fatal("%s: %v", path, err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		fatal("%s: %v", path, err)
	}
	message := func(name string) protoreflect.MessageDescriptor {
		d, err := files.FindDescriptorByName(protoreflect.FullName("tp3.chat.v1." + name))
		if err != nil {
			fatal("%s: tp3.chat.v1.%s: %v", path, name, err)
		}
		m, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			fatal("%s: tp3.chat.v1.%s is no message", path, name)
		}
		return m
	}
	fieldOf := func(m protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
		f := m.Fields().ByName(protoreflect.Name(name))
		if f == nil {
			fatal("%s: %s has no field %s", path, m.FullName(), name)
		}
		return f
	}
	c := &contract{
		request: message("ChatRequest"), join: message("Join"), send: message("Send"),
		response: message("ChatResponse"),
	}
	c.reqJoin, c.reqSend = fieldOf(c.request, "join"), fieldOf(c.request, "send")
	c.joinRoom, c.joinName = fieldOf(c.join, "room"), fieldOf(c.join, "name")
	c.joinBatch = fieldOf(c.join, "batch_presence")
	c.sendText = fieldOf(c.send, "text")
	if c.event = c.response.Oneofs().ByName("event"); c.event == nil {
		fatal("%s: ChatResponse has no oneof event", path)
	}
	c.respJoined, c.respMessage = fieldOf(c.response, "joined"), fieldOf(c.response, "message")
	c.respMemberJoined = fieldOf(c.response, "member_joined")
	c.respPresence = fieldOf(c.response, "presence")
	c.joinedMembers = fieldOf(message("Joined"), "members")
	c.memberName = fieldOf(message("Member"), "name")
	c.messageText = fieldOf(message("RoomMessage"), "text")
	c.memberJoinedName = fieldOf(message("MemberJoined"), "name")
	c.presenceChanges = fieldOf(message("Presence"), "changes")
	c.changeJoined = fieldOf(message("PresenceChange"), "joined")
	return c
}

func (c *contract) joinRequest(room, name string) *dynamicpb.Message {
	join := dynamicpb.NewMessage(c.join)
	join.Set(c.joinRoom, protoreflect.ValueOfString(room))
	join.Set(c.joinName, protoreflect.ValueOfString(name))
	join.Set(c.joinBatch, protoreflect.ValueOfBool(true))
	request := dynamicpb.NewMessage(c.request)
	request.Set(c.reqJoin, protoreflect.ValueOfMessage(join))
	return request
}

func (c *contract) sendRequest(text string) *dynamicpb.Message {
	send := dynamicpb.NewMessage(c.send)
	send.Set(c.sendText, protoreflect.ValueOfString(text))
	request := dynamicpb.NewMessage(c.request)
	request.Set(c.reqSend, protoreflect.ValueOfMessage(send))
	return request
}

// ---- this process's members, counted as a whole ----

type members struct {
	mu           sync.Mutex
	total, count int
	present      int // members that know every name
	dropped      int
	allPresent   chan struct{}
	target       int // room messages each member should have had, all rounds so far
	finished     int // members that had them
	roundDone    chan struct{}
	latencies    []float64
	lastReceipt  float64
	sessions     []*session // in order of names: sessions[0] is m{FIRST}
	contract     *contract
	addr, room   string
}

type session struct {
	stream grpc.ClientStream
	sendMu sync.Mutex // gRPC streams take one sender at a time
}

// arrived counts a member that knows every name (or was dropped: force); mu held.
func (m *members) arrived() {
	m.present++
	if m.present == m.count {
		close(m.allPresent)
	}
}

// finish counts a member that had this round's messages; mu held.
func (m *members) finish() {
	m.finished++
	if m.finished == m.count && m.roundDone != nil {
		close(m.roundDone)
	}
}

func (m *members) startRound(messages int) chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.target += messages
	m.latencies, m.lastReceipt = nil, 0
	m.finished = m.dropped // a dropped member waits for nothing
	m.roundDone = make(chan struct{})
	if m.finished == m.count {
		close(m.roundDone)
	}
	return m.roundDone
}

// read is one member's reader, from its Joined on.
func (m *members) read(s *session, joined protoreflect.Message) {
	c := m.contract
	known := map[string]struct{}{}
	list := joined.Get(c.joinedMembers).List()
	for i := 0; i < list.Len(); i++ {
		known[list.Get(i).Message().Get(c.memberName).String()] = struct{}{}
	}
	if len(known) == m.total {
		m.mu.Lock()
		m.arrived()
		m.mu.Unlock()
	}
	learn := func(name string) {
		if len(known) >= m.total {
			return
		}
		known[name] = struct{}{}
		if len(known) == m.total {
			m.mu.Lock()
			m.arrived()
			m.mu.Unlock()
		}
	}
	received := 0
	response := dynamicpb.NewMessage(c.response)
	for {
		if err := s.stream.RecvMsg(response); err != nil {
			if errors.Is(err, io.EOF) {
				return // ended cleanly (only after a leave, which we never send)
			}
			m.mu.Lock()
			m.dropped++
			if len(known) < m.total {
				m.arrived()
			}
			if received < m.target {
				m.finish()
			}
			m.mu.Unlock()
			return
		}
		which := response.WhichOneof(c.event)
		if which == nil {
			continue
		}
		switch which.Number() {
		case c.respMessage.Number():
			now := monotonic()
			text := response.Get(c.respMessage).Message().Get(c.messageText).String()
			words := strings.Fields(text)
			if len(words) < 2 {
				fatal("a room message with no send time: %q", text)
			}
			sent, err := strconv.ParseFloat(words[1], 64)
			if err != nil {
				fatal("a room message with no send time: %q", text)
			}
			m.mu.Lock()
			m.latencies = append(m.latencies, (now-sent)*1000)
			m.lastReceipt = now
			received++
			if received == m.target {
				m.finish()
			}
			m.mu.Unlock()
		case c.respMemberJoined.Number():
			learn(response.Get(c.respMemberJoined).Message().Get(c.memberJoinedName).String())
		case c.respPresence.Number():
			changes := response.Get(c.respPresence).Message().Get(c.presenceChanges).List()
			for i := 0; i < changes.Len(); i++ {
				change := changes.Get(i).Message()
				if change.Has(c.changeJoined) {
					learn(change.Get(c.changeJoined).Message().Get(c.memberJoinedName).String())
				}
			}
		}
		// joined (only ever first), private messages, departures, notices, heartbeats: nothing
	}
}

// joinAll joins 50 at a time, one connection each; every member reads from its Joined on.
func (m *members) joinAll(first int) {
	for start := first; start < first+m.count; start += perConnection {
		end := min(start+perConnection, first+m.count)
		conn, err := grpc.NewClient("passthrough:///"+m.addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			fatal("%s: %v", m.addr, err)
		}
		batch := make([]*session, end-start)
		var wg sync.WaitGroup
		for i := start; i < end; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, joined := m.joinOne(conn, fmt.Sprintf("m%d", i))
				batch[i-start] = s
				go m.read(s, joined)
			}()
		}
		wg.Wait()
		m.mu.Lock()
		m.sessions = append(m.sessions, batch...)
		m.mu.Unlock()
	}
}

// joinOne opens a session and takes the server's Joined; any failure ends the process (the
// bench reports it), as the Python client's failed join does.
func (m *members) joinOne(conn *grpc.ClientConn, name string) (*session, protoreflect.Message) {
	c := m.contract
	timer := time.AfterFunc(joinTimeout, func() {
		fatal("%s: no answer to the join of %s in %v", m.addr, name, joinTimeout)
	})
	defer timer.Stop()
	stream, err := conn.NewStream(context.Background(), &chatStream, chatMethod)
	if err != nil {
		fatal("%s: join %s: %v", m.addr, name, err)
	}
	if err := stream.SendMsg(c.joinRequest(m.room, name)); err != nil && !errors.Is(err, io.EOF) {
		fatal("%s: join %s: %v", m.addr, name, err)
	} // io.EOF: the server ended the stream; the receive below says why
	response := dynamicpb.NewMessage(c.response)
	if err := stream.RecvMsg(response); err != nil {
		if errors.Is(err, io.EOF) {
			fatal("%s: join %s: the server answered the join with no welcome", m.addr, name)
		}
		fatal("%s: join %s: %v", m.addr, name, err)
	}
	if which := response.WhichOneof(c.event); which == nil || which.Number() != c.respJoined.Number() {
		fatal("%s: join %s: the server answered the join with no welcome", m.addr, name)
	}
	return &session{stream: stream}, response.Get(c.respJoined).Message()
}

// sendPaced sends on a fixed schedule: a late send goes at once, without skipping the next.
func (m *members) sendPaced(s *session, messages int, rate float64) {
	c := m.contract
	start := monotonic()
	for n := 0; n < messages; n++ {
		if delay := start + float64(n)/rate - monotonic(); delay > 0 {
			time.Sleep(time.Duration(delay * 1e9))
		}
		request := c.sendRequest(fmt.Sprintf("%d %.6f", n, monotonic()))
		s.sendMu.Lock()
		err := s.stream.SendMsg(request)
		s.sendMu.Unlock()
		if err != nil {
			fatal("%s: send: %v", m.addr, err)
		}
	}
	say(field("sent", strconv.Itoa(messages)), field("started", pyFloat(start)),
		field("seconds", pyFloat(monotonic()-start)))
}

func (m *members) reportRound(done chan struct{}) {
	<-done
	m.mu.Lock()
	latencies := make([]string, len(m.latencies))
	for i, latency := range m.latencies {
		latencies[i] = pyFloat(round3(latency))
	}
	last, dropped := m.lastReceipt, m.dropped
	m.mu.Unlock()
	say(field("done", "true"), field("latencies_ms", "["+strings.Join(latencies, ", ")+"]"),
		field("last_receipt", pyFloat(last)), field("dropped", strconv.Itoa(dropped)))
}

func (m *members) reportPresence(started float64) {
	<-m.allPresent
	m.mu.Lock()
	dropped := m.dropped
	m.mu.Unlock()
	say(field("present", "true"), field("seconds", pyFloat(monotonic()-started)),
		field("dropped", strconv.Itoa(dropped)))
}

type command struct {
	Do       string   `json:"do"`
	Messages *int     `json:"messages"`
	Rate     *float64 `json:"rate"`
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: fanout [-descriptors FILE] TARGET ROOM TOTAL FIRST COUNT")
		flag.PrintDefaults()
	}
	descriptorsFlag := flag.String("descriptors", "",
		"tp3's FileDescriptorSet (default: "+descriptors+" of this source's checkout, or of the working directory or a parent)")
	flag.Parse()
	if flag.NArg() != 5 {
		flag.Usage()
		os.Exit(2)
	}
	args := flag.Args()
	numbers := make([]int, 3)
	for i, text := range args[2:5] {
		n, err := strconv.Atoi(text)
		if err != nil {
			fatal("%q is no integer", text)
		}
		numbers[i] = n
	}
	total, first, count := numbers[0], numbers[1], numbers[2]
	m := &members{
		total: total, count: count, allPresent: make(chan struct{}),
		contract: loadContract(findDescriptors(*descriptorsFlag)),
		addr:     args[0], room: args[1],
	}
	say(field("ready", "true"))
	input := bufio.NewReader(os.Stdin)
	for {
		line, err := input.ReadString('\n')
		if line != "" {
			var cmd command
			if err := json.Unmarshal([]byte(line), &cmd); err != nil {
				fatal("command %q: %v", line, err)
			}
			need := func(value bool, name string) {
				if !value {
					fatal("command %q has no %s", line, name)
				}
			}
			switch cmd.Do {
			case "join":
				go m.reportPresence(monotonic())
				go m.joinAll(first) // the end of input must be heard even while joins hang
			case "round":
				need(cmd.Messages != nil, "messages")
				done := m.startRound(*cmd.Messages)
				say(field("ready", "true"))
				go m.reportRound(done)
			case "send":
				need(cmd.Messages != nil, "messages")
				need(cmd.Rate != nil && *cmd.Rate != 0, "rate")
				m.mu.Lock()
				var sender *session
				if len(m.sessions) > 0 {
					sender = m.sessions[0]
				}
				m.mu.Unlock()
				if sender == nil {
					fatal("send: no member has joined yet")
				}
				go m.sendPaced(sender, *cmd.Messages, *cmd.Rate)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// the bench closed our input: it has what it wanted, the server may be gone
				os.Exit(0)
			}
			fatal("stdin: %v", err)
		}
	}
}
