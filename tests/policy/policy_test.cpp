// The restart policy alone: every transition of fails and rises, the recovery text, and
// the restart limit's window sliding with an injected clock.
#include "httpok/policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace httpok {
namespace {

using namespace std::chrono_literals;
using Kind = Verdict::Kind;
using Limit = RestartLimit::Decision::Kind;

std::vector<Kind> run(TargetCounters& c, const PolicySettings& s, const std::vector<bool>& oks) {
  std::vector<Kind> kinds;
  for (const bool ok : oks)
    kinds.push_back(on_probe(c, s, ok).kind);
  return kinds;
}

TEST(Policy, TheDefaultsActOnEveryFailureAsSuperlance) {
  TargetCounters c;
  const PolicySettings s;
  EXPECT_EQ(run(c, s, {false, false, true, true, false}),
            (std::vector<Kind>{Kind::act, Kind::act, Kind::recovered, Kind::ok, Kind::act}));
}

TEST(Policy, FailsCountsConsecutiveFailuresAndASuccessResetsThem) {
  TargetCounters c;
  PolicySettings s;
  s.fails = 3;
  EXPECT_EQ(run(c, s, {false, false, true, false, false, false}),
            (std::vector<Kind>{Kind::counted, Kind::counted, Kind::ok, Kind::counted, Kind::counted,
                               Kind::act}));
  // After acting the count starts again: three more failures for the next restart.
  on_restart(c);
  EXPECT_EQ(run(c, s, {false, false, false}),
            (std::vector<Kind>{Kind::counted, Kind::counted, Kind::act}));
  const Verdict v = on_probe(c, s, false);
  EXPECT_EQ(v.kind, Kind::counted);
  EXPECT_EQ(v.failures, 1u);
}

TEST(Policy, FailuresBelowTheThresholdThenASuccessAreNoRecovery) {
  TargetCounters c;
  PolicySettings s;
  s.fails = 2;
  EXPECT_EQ(run(c, s, {false, true, false, true}),
            (std::vector<Kind>{Kind::counted, Kind::ok, Kind::counted, Kind::ok}));
}

TEST(Policy, RisesNeedsThatManyGoodProbesInARowAndSaysWhatHappened) {
  TargetCounters c;
  PolicySettings s;
  s.rises = 3;
  EXPECT_EQ(run(c, s, {false}), std::vector<Kind>{Kind::act});
  on_restart(c);
  // A failure in between starts the count of good probes again.
  EXPECT_EQ(run(c, s, {true, true, false}), (std::vector<Kind>{Kind::ok, Kind::ok, Kind::act}));
  on_restart(c);
  EXPECT_EQ(run(c, s, {true, true}), (std::vector<Kind>{Kind::ok, Kind::ok}));
  const Verdict v = on_probe(c, s, true);
  EXPECT_EQ(v.kind, Kind::recovered);
  EXPECT_EQ(v.failed_probes, 2u);
  EXPECT_EQ(v.restarts, 2u);
  EXPECT_EQ(recovery_text(v), "recovered after 2 failed probes, 2 restarts");
  EXPECT_EQ(on_probe(c, s, true).kind, Kind::ok);  // recovered once, then healthy
}

TEST(Policy, ThresholdGraceAndLimitTogether) {
  // fails 2, grace 30 s, at most 1 restart in 100 s, for one target watching web.
  RestartSettings restart;
  restart.programs = {"web"};
  restart.policy.fails = 2;
  restart.policy.grace = 30s;
  restart.policy.max_restarts = 1;
  restart.policy.restart_window = 100s;
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  TargetCounters c;
  std::int64_t clock = 1000;             // supervisord's, in seconds
  std::int64_t web_started = 1000 - 10;  // 10 s ago
  std::vector<std::string> log;
  // One failed check, as the app judges it: grace first, then the count, then the limit.
  const auto failed_check = [&] {
    const std::vector<ProcessInfo> infos = {
        {"web", "web", "RUNNING", kStateRunning, 7, web_started, clock}};
    if (const auto why = grace_reason(restart, "httpok", "httpok", infos)) {
      log.push_back("ignored: " + *why);
      return;
    }
    const Verdict v = on_probe(c, restart.policy, false);
    if (v.kind != Verdict::Kind::act) {
      log.push_back("counted " + std::to_string(v.failures));
      return;
    }
    const auto d = limit.check("web", "t", restart.policy);
    if (d.kind == RestartLimit::Decision::Kind::restart ||
        d.kind == RestartLimit::Decision::Kind::resume) {
      limit.restarted("web");
      on_restart(c);
      web_started = clock;
      log.push_back("restart");
    } else {
      log.push_back(d.kind == RestartLimit::Decision::Kind::give_up ? "give up" : "quiet");
    }
  };
  for (int i = 0; i < 12; ++i) {
    failed_check();
    clock += 5;
    now += 5s;
  }
  EXPECT_EQ(log,
            (std::vector<std::string>{"ignored: web started 10 s ago (grace 30 s)",
                                      "ignored: web started 15 s ago (grace 30 s)",
                                      "ignored: web started 20 s ago (grace 30 s)",
                                      "ignored: web started 25 s ago (grace 30 s)", "counted 1",
                                      "restart",  // 30 s and 35 s after its start
                                      "ignored: web started 5 s ago (grace 30 s)",
                                      "ignored: web started 10 s ago (grace 30 s)",
                                      "ignored: web started 15 s ago (grace 30 s)",
                                      "ignored: web started 20 s ago (grace 30 s)",
                                      "ignored: web started 25 s ago (grace 30 s)", "counted 1"}));
  for (int i = 0; i < 4; ++i) {
    failed_check();
    clock += 5;
    now += 5s;
  }
  // The next failure would restart: the limit (1 in 100 s) holds, said once, then quiet.
  EXPECT_EQ(std::vector<std::string>(log.end() - 4, log.end()),
            (std::vector<std::string>{"give up", "counted 1", "quiet", "counted 1"}));
}

TEST(Policy, ARestartByAnyoneStartsTheCountAgain) {
  TargetCounters c;
  PolicySettings s;
  s.fails = 3;
  EXPECT_EQ(run(c, s, {false, false}), (std::vector<Kind>{Kind::counted, Kind::counted}));
  on_process_restarted(c);  // an operator's supervisorctl restart, a PROCESS_STATE event
  EXPECT_EQ(run(c, s, {false, false, false}),
            (std::vector<Kind>{Kind::counted, Kind::counted, Kind::act}));
}

TEST(Policy, RecoveryTextCountsInTheSingular) {
  Verdict v;
  v.failed_probes = 1;
  v.restarts = 1;
  EXPECT_EQ(recovery_text(v), "recovered after 1 failed probe, 1 restart");
  v.restarts = 0;
  EXPECT_EQ(recovery_text(v), "recovered after 1 failed probe, 0 restarts");
}

TEST(RestartLimit, GivesUpOnceThenStaysQuietThenResumesWhenTheWindowSlides) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  PolicySettings s;
  s.max_restarts = 2;
  s.restart_window = 100s;
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::restart);
  limit.restarted("web");
  now += 10s;
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::restart);
  limit.restarted("web");
  now += 10s;
  const auto give_up = limit.check("web", "api", s);
  EXPECT_EQ(give_up.kind, Limit::give_up);
  EXPECT_EQ(give_up.count, 2u);
  EXPECT_EQ(giving_up_text("web", give_up.count, s.restart_window),
            "giving up on web: 2 restarts within 100 s");
  EXPECT_EQ(giving_up_text("web", 1, s.restart_window), "giving up on web: 1 restart within 100 s");
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::given_up);  // said once only
  EXPECT_TRUE(limit.gave_up("web"));
  EXPECT_FALSE(limit.gave_up("api"));
  EXPECT_EQ(limit.check("api", "api", s).kind, Limit::restart);  // each program on its own
  now += 80s;                          // the first restart is 100 s old: one left in the window
  EXPECT_FALSE(limit.gave_up("web"));  // by the clock, before any check
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::resume);
  limit.restarted("web");
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::give_up);  // two within the window again
}

TEST(RestartLimit, AForgottenTargetsGiveUpsGo) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  PolicySettings s;
  s.max_restarts = 1;
  s.restart_window = 600s;
  EXPECT_EQ(limit.check("app", "api", s).kind, Limit::restart);
  limit.restarted("app");
  EXPECT_EQ(limit.check("app", "api", s).kind, Limit::give_up);
  EXPECT_EQ(limit.check("app", "web", s).kind, Limit::give_up);
  limit.forget("api");  // a reload set its limit to 0, say: it restarts, and counts
  limit.restarted("app");
  EXPECT_TRUE(limit.gave_up("app"));  // web's limit holds still
  limit.forget("web");
  EXPECT_FALSE(limit.gave_up("app"));
  // A replacement of the same name decides, and says it, again.
  EXPECT_EQ(limit.check("app", "api", s).kind, Limit::give_up);
  EXPECT_EQ(limit.check("app", "api", s).kind, Limit::given_up);
}

TEST(RestartLimit, NoLimitByDefault) {
  RestartLimit limit;
  const PolicySettings s;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limit.check("web", "api", s).kind, Limit::restart);
    limit.restarted("web");
  }
}

TEST(RestartLimit, TargetsWithTheirOwnLimitsOnOneProgramEachSayItOnce) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  PolicySettings strict, lenient, long_window;
  strict.max_restarts = 2;
  strict.restart_window = 60s;
  lenient.max_restarts = 4;
  lenient.restart_window = 60s;
  long_window.max_restarts = 3;
  long_window.restart_window = 3600s;
  EXPECT_EQ(limit.check("web", "long", long_window).kind, Limit::restart);  // seen: 3600 s
  for (int i = 0; i < 2; ++i) {
    limit.restarted("web");
    now += 1s;
  }
  EXPECT_EQ(limit.check("web", "api", strict).kind, Limit::give_up);
  // The lenient target still restarts: that is no "resume" of the strict one's...
  EXPECT_EQ(limit.check("web", "deep", lenient).kind, Limit::restart);
  limit.restarted("web");
  // ...which stays given up, said once.
  EXPECT_EQ(limit.check("web", "api", strict).kind, Limit::given_up);
  EXPECT_EQ(limit.check("web", "api", strict).kind, Limit::given_up);
  // A short window forgets nothing that a longer one still counts.
  now += 120s;
  EXPECT_EQ(limit.check("web", "api", strict).kind, Limit::resume);
  EXPECT_EQ(limit.check("web", "long", long_window).kind, Limit::give_up);  // 3 in an hour
}

TEST(RestartLimit, OnceATargetWithALimitIsSetUpEveryTargetsRestartsCount) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  PolicySettings s;
  s.max_restarts = 2;
  s.restart_window = 100s;
  limit.restarted("web");  // no target has a limit yet: nothing is kept
  limit.keep_for(s.restart_window);
  limit.restarted("web");  // by a target with no limit, before any check of this one
  now += 1s;
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::restart);  // 1 of 2
  limit.restarted("web");
  const auto give_up = limit.check("web", "api", s);
  EXPECT_EQ(give_up.kind, Limit::give_up);
  EXPECT_EQ(give_up.count, 2u);
}

TEST(RestartLimit, ARevertedDecisionIsDecidedAndSaidAgainByTheNextCheck) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  PolicySettings s;
  s.max_restarts = 1;
  s.restart_window = 100s;
  limit.revert("web", "api", s, {Limit::give_up, 1});  // nothing known of web: no effect
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::restart);
  limit.restarted("web");
  const auto give_up = limit.check("web", "api", s);
  ASSERT_EQ(give_up.kind, Limit::give_up);
  limit.revert("web", "api", s, give_up);  // not said: said by the next check
  EXPECT_FALSE(limit.gave_up("web"));
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::give_up);
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::given_up);
  now += 100s;
  const auto resume = limit.check("web", "api", s);
  ASSERT_EQ(resume.kind, Limit::resume);
  limit.revert("web", "api", s, resume);  // not said either: still given up
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::resume);
  // A reverted restart, or another target's decision, changes nothing of this one's.
  limit.revert("web", "api", s, {Limit::restart, 0});
  limit.revert("web", "deep", s, {Limit::give_up, 1});
  limit.restarted("web");
  EXPECT_EQ(limit.check("web", "api", s).kind, Limit::give_up);
}

TEST(GraceReason, AYoungOrStartingProcessOfTheTargetPutsItsFailureInGrace) {
  RestartSettings restart;
  restart.programs = {"web", "workers:*"};
  restart.policy.grace = std::chrono::seconds(30);
  auto info = [](std::string name, std::string group, std::string statename, int state,
                 std::int64_t start, std::int64_t now) {
    return ProcessInfo{
        std::move(name), std::move(group), std::move(statename), state, 1, start, now};
  };
  const std::int64_t now = 1700000100;
  EXPECT_EQ(grace_reason(restart, "httpok", "httpok",
                         {info("web", "web", "RUNNING", kStateRunning, now - 12, now)}),
            "web started 12 s ago (grace 30 s)");
  EXPECT_EQ(grace_reason(restart, "httpok", "httpok",
                         {info("web", "web", "RUNNING", kStateRunning, now - 300, now),
                          info("w1", "workers", "STARTING", kStateStarting, 0, now)}),
            "workers:w1 is STARTING (grace 30 s)");
  // Old enough, not the target's, or no start time: the failure counts.
  EXPECT_EQ(grace_reason(restart, "httpok", "httpok",
                         {info("web", "web", "RUNNING", kStateRunning, now - 30, now),
                          info("api", "api", "RUNNING", kStateRunning, now - 1, now),
                          info("w2", "workers", "RUNNING", kStateRunning, 0, now)}),
            std::nullopt);
  restart.policy.grace = std::chrono::seconds(0);
  EXPECT_EQ(grace_reason(restart, "httpok", "httpok",
                         {info("web", "web", "STARTING", kStateStarting, 0, now)}),
            std::nullopt);
}

TEST(RestartLedger, NamesAnotherTargetsRestartSinceTheCheckBegan) {
  RestartLedger::Clock::time_point now{};
  RestartLedger ledger([&] { return now; });
  const auto began = now;
  EXPECT_EQ(ledger.restarted_since("web", began, "b"), std::nullopt);  // nothing yet
  now += std::chrono::seconds(1);
  ledger.record("web", "a");
  EXPECT_EQ(ledger.restarted_since("web", began, "b"), "a");
  EXPECT_EQ(ledger.restarted_since("web", began, "a"), std::nullopt);  // its own restart
  EXPECT_EQ(ledger.restarted_since("api", began, "b"), std::nullopt);  // another program
  // A check that began after the restart saw the restarted program: its failure counts.
  EXPECT_EQ(ledger.restarted_since("web", now + std::chrono::milliseconds(1), "b"), std::nullopt);
  EXPECT_EQ(ledger.restarted_since("web", now, "b"), "a");  // the same instant still counts
}

TEST(ExpiryWarning, WarnsWithinTheDaysAtMostOnceADayAndSaysWhichCertificate) {
  constexpr double kDay = 86400;
  const double now = 1'800'000'000;  // 2027-01-15 08:00:00 UTC
  const auto in = [&](double days) { return static_cast<std::int64_t>(now + days * kDay); };
  double last = 0;
  // Off, or nothing known, or far enough: nothing.
  EXPECT_FALSE(expiry_warning(now, in(2), in(2), 0, last));
  EXPECT_FALSE(expiry_warning(now, 0, 0, 14, last));
  EXPECT_FALSE(expiry_warning(now, in(30), in(300), 14, last));
  EXPECT_EQ(last, 0);
  // The leaf within the days: said, with its date.
  EXPECT_EQ(expiry_warning(now, in(2), in(300), 14, last),
            "the certificate expires in 2.0 days (2027-01-17 08:00:00 UTC)");
  EXPECT_EQ(last, now);
  // Not again within a day, whatever the checks see; again after it.
  EXPECT_FALSE(expiry_warning(now + 60, in(2), in(300), 14, last));
  EXPECT_FALSE(expiry_warning(now + kDay - 1, in(2), in(300), 14, last));
  EXPECT_EQ(expiry_warning(now + kDay, in(2), in(300), 14, last),
            "the certificate expires in 1.0 days (2027-01-17 08:00:00 UTC)");
  // A clock that was far ahead and is set back does not keep it quiet.
  double ahead = now + 30 * kDay;
  EXPECT_TRUE(expiry_warning(now, in(2), in(300), 14, ahead));
  EXPECT_EQ(ahead, now);
  // A certificate of the chain that expires before the leaf is named as such.
  double other = 0;
  EXPECT_EQ(expiry_warning(now, in(90), in(1.5), 14, other),
            "a certificate of its chain expires in 1.5 days (2027-01-16 20:00:00 UTC)");
  // Only the leaf known (a resumed session, --insecure), already expired.
  double old = 0;
  EXPECT_EQ(expiry_warning(now, in(-2), 0, 14, old),
            "the certificate expired 2.0 days ago (2027-01-13 08:00:00 UTC)");
}

}  // namespace
}  // namespace httpok
