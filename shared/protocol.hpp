// The wire protocol between tuners, the broker and workers, defined once.
//
// Every message is three ZeroMQ frames (after the ROUTER's identity frame):
//   [signature][command][body]
// signature: "QCW1" on the worker link, "QCT1" on the tuner link (protocol, role, version);
// command:   one byte, a MessageType below, checked against the link it arrived on;
// body:      a msgpack map with string keys; required keys are type-checked, unknown keys
//            ignored; unpacked with limits (RELIABILITY.md) so no message can ask for gigabytes.
// Decoding never throws: a bad message gives a DecodeError saying what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <zmq.hpp>

#include "expected.hpp"
#include "params.hpp"

namespace quante::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char* kWorkerSignature = "QCW1";
inline constexpr const char* kTunerSignature = "QCT1";
inline constexpr std::size_t kMaxMessageBytes = 1 << 20;  // ZMQ_MAXMSGSIZE on broker sockets

enum class Link : std::uint8_t { Worker, Tuner };

enum class MessageType : std::uint8_t {
  // worker link
  Ready = 0x01,            // worker -> broker: I serve these objectives
  Job = 0x02,              // broker -> worker: evaluate this
  Result = 0x03,           // worker -> broker: the outcome of a job
  Heartbeat = 0x04,        // both ways, on both links
  Disconnect = 0x05,       // both ways: going away / please re-register
  Report = 0x06,           // worker -> broker: a running job's loss at a step where its tuner decides
  Decision = 0x07,         // broker -> worker: go on with that job, or stop it now
  // tuner link
  Submit = 0x11,           // tuner -> broker: run this job
  SubmitAck = 0x12,        // broker -> tuner: accepted (or refused, with the reason)
  JobResult = 0x13,        // broker -> tuner: the outcome of one of your jobs
  ResultAck = 0x14,        // tuner -> broker: result recorded, forget the job
  Cancel = 0x15,           // tuner -> broker: drop this job if it has not finished
  TrialReport = 0x16,      // broker -> tuner: a report of one of your running jobs
  TrialDecision = 0x17,    // tuner -> broker: the decision on that report
  JobStarted = 0x18,       // broker -> tuner: one of your jobs went to a worker (if Submit asked)
};

// Why a job failed. Objective failures are the user's own (no retry by the broker);
// the others are infrastructure.
enum class FailureClass : std::uint8_t {
  None = 0,
  Objective = 1,   // the objective reported an error (or a non-finite loss)
  Timeout = 2,     // the objective overran its deadline
  Crashed = 3,     // the objective's process died
  Protocol = 4,    // the objective answered garbage
  WorkerLost = 5,  // the worker went silent or died too many times with this job
  Rejected = 6,    // the broker refused the job (no such objective, bad params, ...)
  Cancelled = 7,   // the tuner or a shutdown cancelled it
  OutOfMemory = 8, // the objective ran out of GPU memory: the worker's GPU, not (only) the
                   // configuration, may be to blame (another trial shares it), so the broker
                   // retries it on another worker like an infrastructure failure
};
const char* to_string(FailureClass failure);
const char* to_string(MessageType type);

struct Ready {
  std::string name;                     // e.g. "host-a/gpu0"
  std::string host;
  std::int64_t gpu = -1;
  std::string device;                   // the GPU the worker got, e.g. "NVIDIA H100 ... (sm_90, 79.1 GiB)"
  std::int64_t pid = 0;
  std::vector<std::string> objectives;
  std::string running_job;              // non-empty when re-registering in the middle of a job
  std::int64_t slot = -1;               // which of the GPU's --per-gpu workers this is; -1: the only one
  std::int64_t gpu_memory_mib = 0;      // the GPU's total memory; 0: unknown (or no GPU)
};

struct Job {
  std::string job_id;
  std::string study;
  std::string objective;
  Params params;
  std::uint32_t attempt = 1;
  std::uint64_t epoch = 0;
  double timeout_s = 0;                 // 0: the worker's own default
  std::int64_t max_steps = 0;           // the most steps (epochs) the trial may run; 0: no [fidelity]
  std::vector<std::int64_t> rungs;      // steps at which the tuner decides go on / stop (increasing)
};

using Curve = std::vector<std::pair<std::int64_t, double>>;  // (step, loss), steps increasing
inline constexpr std::size_t kMaxRungs = 64;
inline constexpr std::size_t kMaxCurvePoints = 1000;         // a longer curve is thinned by the worker

struct Outcome {                        // shared by Result (worker) and JobResult (broker)
  std::string job_id;
  bool ok = false;
  double loss = 0;
  std::string error;
  FailureClass failure = FailureClass::None;
  double started_at = 0;                // unix seconds
  double finished_at = 0;
  std::map<std::string, double> metrics;
  std::string worker;                   // the worker's name
  Curve curve;                          // the reported learning curve, if the objective reported one
  std::int64_t stopped_at = 0;          // the step at which the tuner stopped it early; 0: ran its course
};

struct Result {
  Outcome outcome;
  std::uint32_t attempt = 1;
  std::uint64_t epoch = 0;
};

struct Heartbeat {
  std::uint64_t epoch = 0;              // broker's epoch (broker -> peer), 0 otherwise
  std::string job_id;                   // worker -> broker: the job it is running, if any
  std::uint32_t workers = 0;            // broker -> tuner: workers connected
  std::uint32_t queued = 0;             // broker -> tuner: jobs of yours waiting for a worker
};

struct Disconnect {
  std::string reason;
  std::string job_id;                   // worker -> broker: a job given back unfinished
  bool refused = false;                 // broker -> worker: registration refused (duplicate name, farm
                                        // full, bad name): back off before registering again
};

struct Submit {
  std::string job_id;
  std::string study;
  std::string objective;
  Params params;
  double timeout_s = 0;
  std::uint32_t max_attempts = 0;       // 0: the broker's default
  std::int64_t max_steps = 0;           // passed on in Job
  std::vector<std::int64_t> rungs;      // passed on in Job
  std::int64_t min_gpu_memory_mib = 0;  // only workers whose GPU has at least this much run it
  bool notify_started = false;          // send JOB_STARTED at each dispatch (older tuners do not ask)
};

// Sent at each dispatch of a job whose Submit asked for it: which worker (and GPU) runs which
// attempt, so a live view names every running trial's worker before it reports anything.
struct JobStarted {                     // broker -> tuner
  std::string job_id;
  std::uint32_t attempt = 1;
  std::string worker;                   // the worker's name
  std::int64_t gpu = -1;                // the worker's GPU; -1: none
};

// A step report, fenced like a result: only the running attempt's reports reach the tuner.
struct Report {                         // worker -> broker
  std::string job_id;
  std::uint32_t attempt = 1;
  std::uint64_t epoch = 0;
  std::int64_t step = 0;
  double loss = 0;                      // may be NaN or infinite (a diverging run)
  std::map<std::string, double> metrics;
};

struct Decision {                       // broker -> worker
  std::string job_id;
  std::uint32_t attempt = 1;
  std::int64_t step = 0;
  bool go_on = true;
};

struct TrialReport {                    // broker -> tuner
  std::string job_id;
  std::uint32_t attempt = 1;
  std::int64_t step = 0;
  double loss = 0;
  std::map<std::string, double> metrics;
  std::string worker;
};

struct TrialDecision {                  // tuner -> broker
  std::string job_id;
  std::uint32_t attempt = 1;
  std::int64_t step = 0;
  bool go_on = true;
};

struct SubmitAck {
  std::string job_id;
  std::uint64_t epoch = 0;
  bool accepted = true;
  std::string error;
  std::string unservable;               // accepted, but no connected worker can run it now: why
};

struct JobResult {
  std::string study;
  Outcome outcome;
  std::uint32_t attempts = 1;
};

struct ResultAck {
  std::string job_id;
};

struct Cancel {
  std::string job_id;
};

// The order of the alternatives is that of kMessageTypes in protocol.cpp.
using Message = std::variant<Ready, Job, Result, Heartbeat, Disconnect, Submit, SubmitAck, JobResult, ResultAck, Cancel,
                             Report, Decision, TrialReport, TrialDecision, JobStarted>;

MessageType type_of(const Message& message);

struct DecodeError {
  std::string what;
};

// The frames of `message` for `link` (signature, command, body), ready for send_multipart.
std::vector<zmq::message_t> encode(Link link, const Message& message);

// Decodes the frames after the identity frame (ROUTER side) or the whole message (DEALER side).
// Checks frame count, signature and version, that the command belongs on `link`, and the body.
Expected<Message, DecodeError> decode(Link link, const std::vector<zmq::message_t>& frames);
// The same for `count` frames from `frames` (a ROUTER's message past its identity, not copied).
Expected<Message, DecodeError> decode(Link link, const zmq::message_t* frames, std::size_t count);

// The 128-bit random job id, 32 hex digits.
std::string new_job_id();
// A random 64-bit broker epoch, never 0.
std::uint64_t new_epoch();

}  // namespace quante::protocol
