#!/usr/bin/env bash
# Issue 12, Phase A step 1: whole-file moves and the import/path rewrites that follow them.
# One-off: delete before merging (kept in the PR description).
#
#   scripts/restructure_moves.sh                 the moves, then the rewrites (done: a764bd6)
#   scripts/restructure_moves.sh --rewrite-only  only the rewrites, over every tracked file: run it
#       after merging a branch that still says bot.metrics, bot.scheduling, tests.harness ...
#       (the rewrites are idempotent). It also covers the later merges (bot.bootstrap ->
#       bot.app, bot.dispatch/bot.parse -> bot.router, bot.scheduling -> bot.app or
#       bot.runtime by name) and bot.people -> bot.delivery.people (git mv bot/people.py first).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-all}

mv_() { mkdir -p "$(dirname "$2")"; git mv "$1" "$2"; }

if [ "$MODE" != "--rewrite-only" ]; then

# -- packages leaving bot/ ----------------------------------------------------------------
git mv bot/emulator slack_emulator
git mv bot/workbench workbench
mkdir -p blockkit
git mv bot/blocks/validate.py blockkit/validate.py
mv_ bot/blocks/build.py bot/content/blocks.py
git rm -q bot/blocks/__init__.py

# -- the Slack edge --------------------------------------------------------------------------
mkdir -p bot/slack
for m in http_server oauth installations redelivery requestlog sanitize ratelimit; do
  git mv "bot/$m.py" "bot/slack/$m.py"
done
git mv bot/slack_http.py bot/slack/http_guard.py
git mv bot/listeners bot/slack/listeners

# -- ops -------------------------------------------------------------------------------------
# bot/ops.py must leave before the bot/ops/ package exists; it goes whole to store/admin.py
# (P3 carves store/backup.py out of it in Phase B).
git mv bot/ops.py bot/store/admin.py
mkdir -p bot/ops
for m in health metrics logs; do git mv "bot/$m.py" "bot/ops/$m.py"; done

# -- delivery and features renames ------------------------------------------------------------
git mv bot/delivery/schedule.py bot/delivery/timing.py
git mv bot/delivery/scheduler.py bot/delivery/ticker.py
git mv bot/features/scheduled.py bot/features/common.py

# -- tests -----------------------------------------------------------------------------------
mkdir -p tests/unit tests/scenario tests/emulator tests/support
for f in harness emulator_bolt commands_fakes calendar_feeds; do
  git mv "tests/$f.py" "tests/support/$f.py"
done
git mv tests/test_checkin_fakes.py tests/support/checkin_world.py
git mv tests/test_delivery_fakes.py tests/support/delivery_fakes.py
git mv tests/test_nudge_fakes.py tests/support/nudge_world.py
EMULATOR="test_emulator test_emulator_interactions"
SCENARIO="test_bench_smoke test_calendar_scenarios test_checkin_scenarios test_commands_scenarios
  test_critical_path_scenarios test_delivery_emulator test_delivery_scenarios test_direct_messages
  test_faults_database test_faults_delivery test_faults_http test_faults_redelivery test_faults_save
  test_faults_slow_slack test_floods test_foundation_scenarios test_fuzz_commands test_health_checks
  test_http test_newcomer test_oauth test_ops test_optin_races test_people_scenarios test_privacy_files
  test_privacy_scenarios test_wording test_workbench test_workbench_browser test_workbench_persistence
  test_workspaces"
for t in $EMULATOR; do git mv "tests/$t.py" "tests/emulator/$t.py"; done
for t in $SCENARIO; do [ -f "tests/$t.py" ] && git mv "tests/$t.py" "tests/scenario/$t.py"; done
for f in tests/test_*.py; do [ -f "$f" ] && git mv "$f" "tests/unit/$(basename "$f")"; done
fi

# -- rewrite imports and paths -----------------------------------------------------------------
SED=(
  -e 's/\bbot\.emulator\b/slack_emulator/g'
  -e 's#\bbot/emulator\b#slack_emulator#g'
  -e 's/\bbot\.workbench\b/workbench/g'
  -e 's#\bbot/workbench\b#workbench#g'
  -e 's/\bbot\.blocks\.validate\b/blockkit.validate/g'
  -e 's#\bbot/blocks/validate\.py\b#blockkit/validate.py#g'
  -e 's/\bbot\.blocks\.build\b/bot.content.blocks/g'
  -e 's#\bbot/blocks/build\.py\b#bot/content/blocks.py#g'
  -e 's/\bbot\.listeners\b/bot.slack.listeners/g'
  -e 's#\bbot/listeners\b#bot/slack/listeners#g'
  -e 's/\bbot\.\(http_server\|oauth\|installations\|redelivery\|requestlog\|sanitize\|ratelimit\)\b/bot.slack.\1/g'
  -e 's#\bbot/\(http_server\|oauth\|installations\|redelivery\|requestlog\|sanitize\|ratelimit\)\.py\b#bot/slack/\1.py#g'
  -e 's/\bbot\.slack_http\b/bot.slack.http_guard/g'
  -e 's#\bbot/slack_http\.py\b#bot/slack/http_guard.py#g'
  -e 's/\bbot\.ops\.\(health\|metrics\|logs\)\b/@@OPS_\1@@/g'
  -e 's/\bbot\.ops\b/bot.store.admin/g'
  -e 's/@@OPS_\([a-z]*\)@@/bot.ops.\1/g'
  -e 's#\bbot/ops\.py\b#bot/store/admin.py#g'
  -e 's/\bbot\.\(health\|metrics\|logs\)\b/bot.ops.\1/g'
  -e 's#\bbot/\(health\|metrics\|logs\)\.py\b#bot/ops/\1.py#g'
  -e 's/\bbot\.delivery\.schedule\b/bot.delivery.timing/g'
  -e 's#\bbot/delivery/schedule\.py\b#bot/delivery/timing.py#g'
  -e 's/\bbot\.delivery\.scheduler\b/bot.delivery.ticker/g'
  -e 's#\bbot/delivery/scheduler\.py\b#bot/delivery/ticker.py#g'
  -e 's/\bbot\.features\.scheduled\b/bot.features.common/g'
  -e 's#\bbot/features/scheduled\.py\b#bot/features/common.py#g'
  -e 's/\btests\.\(harness\|emulator_bolt\|commands_fakes\|calendar_feeds\)\b/tests.support.\1/g'
  -e 's#\btests/\(harness\|emulator_bolt\|commands_fakes\|calendar_feeds\)\.py\b#tests/support/\1.py#g'
  -e 's/\btests\.test_checkin_fakes\b/tests.support.checkin_world/g'
  -e 's/\btests\.test_delivery_fakes\b/tests.support.delivery_fakes/g'
  -e 's/\btests\.test_nudge_fakes\b/tests.support.nudge_world/g'
  -e 's#\btests/test_checkin_fakes\.py\b#tests/support/checkin_world.py#g'
  -e 's#\btests/test_delivery_fakes\.py\b#tests/support/delivery_fakes.py#g'
  -e 's#\btests/test_nudge_fakes\.py\b#tests/support/nudge_world.py#g'
  -e 's/from tests import test_checkin_fakes\b/from tests.support import checkin_world/g'
  -e 's/^from bot import installations$/from bot.slack import installations/'
  # step 2 (a3e678b): the merged modules
  -e 's/\bbot\.bootstrap\b/bot.app/g'
  -e 's#\bbot/bootstrap\.py\b#bot/app.py#g'
  -e 's/\bbot\.\(dispatch\|parse\)\b/bot.router/g'
  -e 's#\bbot/\(dispatch\|parse\)\.py\b#bot/router.py#g'
  -e '/from bot\.scheduling import .*\(build_engine\|delivery_pacing\)/s/bot\.scheduling/bot.app/'
  -e 's/\bbot\.scheduling\b/bot.runtime/g'
  -e 's#\bbot/scheduling\.py\b#bot/runtime.py#g'
  -e 's/\bbot\.people\b/bot.delivery.people/g'
  -e 's#\bbot/people\.py\b#bot/delivery/people.py#g'
)
for d in emulator unit scenario; do
  for f in tests/$d/test_*.py; do
    t=$(basename "$f" .py)
    SED+=(-e "s/\\btests\\.$t\\b/tests.$d.$t/g" -e "s#\\btests/$t\\.py\\b#tests/$d/$t.py#g")
  done
done
FILES=$(git ls-files bot slack_emulator workbench blockkit tests bench scripts docs README.md deploy \
  pyproject.toml .ci | grep -E '\.(py|md|toml|yml|yaml|txt|sh|js|html)$|Dockerfile|\.ci/run' \
  | grep -v '^scripts/restructure_moves.sh$')
# shellcheck disable=SC2086
sed -i "${SED[@]}" $FILES

[ "$MODE" = "--rewrite-only" ] && exit 0
touch bot/slack/__init__.py bot/ops/__init__.py blockkit/__init__.py \
  tests/unit/__init__.py tests/scenario/__init__.py tests/emulator/__init__.py tests/support/__init__.py
git add bot/slack/__init__.py bot/ops/__init__.py blockkit/__init__.py tests/*/__init__.py
