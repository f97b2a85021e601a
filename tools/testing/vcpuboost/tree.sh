#!/bin/bash
# The way between this repository and a prepared kernel tree.
#
#   tree.sh prepare   unpack the kernel source into build/linux (once) and
#                     record it as the git commit "base"
#   tree.sh sync      rebuild the series on top of base from patches/ and the
#                     new files, and check it out in build/linux
#   tree.sh refresh   the other way: turn the commits on top of base in
#                     build/linux back into patches/ and the new files
#   tree.sh export    git format-patch the series, with a cover letter
#   tree.sh am-check  git am the exported series onto a pristine copy of
#                     base and build it at every patch
#   tree.sh rt-tree   build/linux-rt, the PREEMPT_RT test kernel's source:
#                     the series with tools/testing/vcpuboost/rt/*.patch on top, patches
#                     of the test harness that are never part of the series
#
# A patch in patches/ is one commit: its message, a line "---", the
# files new to the kernel that the commit adds (" new file: PATH"), and
# the diff of the upstream files it changes. A new file is kept in this
# repository at its kernel path, except that tools/testing/selftests/X
# is kept as selftests/X.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
B=${BUILD_DIR:-$REPO/build}
T=$B/linux
KSRC=${KSRC:-/usr/src/linux-source-6.12.tar.xz}
# Directories of this repository that mirror the kernel tree.
OVERLAY_DIRS="arch block Documentation drivers include init kernel lib mm net scripts selftests virt"

die() { echo "tree.sh: $*" >&2; exit 1; }
g() { git -C "$T" "$@"; }

repo_path() {	# kernel path -> repository path
	case $1 in
	tools/testing/selftests/*) echo "selftests/${1#tools/testing/selftests/}" ;;
	*) echo "$1" ;;
	esac
}

kernel_path() {	# repository path -> kernel path
	case $1 in
	selftests/*) echo "tools/testing/selftests/${1#selftests/}" ;;
	*) echo "$1" ;;
	esac
}

# Commits are made with fixed identity and dates, so that the same
# repository state gives the same commits (and an unchanged tree).
commit_env() {
	export GIT_AUTHOR_NAME="${VB_AUTHOR_NAME:-vcpuboost developers}"
	export GIT_AUTHOR_EMAIL="${VB_AUTHOR_EMAIL:-vcpuboost@lists.example.org}"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="2026-11-25T00:00:00Z" GIT_COMMITTER_DATE="2026-11-25T00:00:00Z"
}

patch_message() { sed '/^---$/,$d' "$1"; }
patch_new_files() { sed -n '/^---$/,/^diff --git /s/^ new file: //p' "$1"; }

cmd_prepare() {
	[ -d "$T/.git" ] && return 0
	mkdir -p "$B"
	rm -rf "$T" "$T.tmp"
	mkdir -p "$T.tmp"
	if [ -d "$KSRC" ]; then
		echo "  TREE    copying $KSRC"
		(cd "$KSRC" && tar --exclude=.git -cf - .) | tar -C "$T.tmp" -xf -
	else
		[ -f "$KSRC" ] || die "no kernel source at $KSRC (install linux-source-6.12 or set KSRC=)"
		echo "  TREE    unpacking $KSRC"
		tar -C "$T.tmp" --strip-components=1 -xf "$KSRC"
	fi
	grep -q '^PATCHLEVEL = 12$' "$T.tmp/Makefile" && grep -q '^VERSION = 6$' "$T.tmp/Makefile" ||
		die "$KSRC is not a 6.12 kernel"
	[ ! -e "$T.tmp/.config" ] || die "$KSRC is configured (has .config): give a clean tree"
	mv "$T.tmp" "$T"
	g init -q -b pristine
	# Commits made by hand in the tree sign off as the series does.
	g config user.name "${VB_AUTHOR_NAME:-vcpuboost developers}"
	g config user.email "${VB_AUTHOR_EMAIL:-vcpuboost@lists.example.org}"
	g config gc.auto 0
	commit_env
	echo "  TREE    recording base"
	# Debian's .gitignore hides the whole top level: add with -f.
	g add -f -A .
	g commit -q -m "Linux $(make -s -C "$T" kernelversion 2>/dev/null || echo 6.12) (base)"
	g tag base
	g update-ref refs/vcpuboost/synced HEAD
}

# Files of the tree that differ from HEAD, including new ones hidden by
# .gitignore; build outputs live in build/obj, not here.
tree_dirty() {
	g status --porcelain --ignored=matching --untracked-files=all |
		grep -v -e '__pycache__' -e '\.pyc$' || true
}

# Files at kernel paths that belong to the project, not to the series: the
# config fragments of the test and benchmark kernels and the project's own
# pages (design, workflow, benchmark).
REPO_ONLY='^(kernel/configs/vcpuboost[^/]*\.config|Documentation/vcpuboost/.*)$'

overlay_files() {
	(cd "$REPO" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS 2>/dev/null |
		{ grep -Ev "$REPO_ONLY" || true; } |
		while read -r f; do [ -f "$f" ] && echo "$f"; done) | sort -u
}

cmd_sync() {
	cmd_prepare
	local head synced
	head=$(g rev-parse HEAD)
	synced=$(g rev-parse -q --verify refs/vcpuboost/synced || g rev-parse base)
	if [ -z "${FORCE:-}" ]; then
		[ "$head" = "$synced" ] ||
			die "build/linux has commits that are not in the repository; run 'make refresh' to bring them in, or 'make sync FORCE=1' to drop them"
		[ -z "$(tree_dirty)" ] ||
			die "build/linux has uncommitted edits ($(tree_dirty | head -3 | tr '\n' ' ')); commit them there and run 'make refresh', or 'make sync FORCE=1' to drop them"
	fi

	# Every new file must belong to a patch.
	local listed all
	listed=$(for p in "$REPO"/patches/[0-9]*.patch; do
		[ -e "$p" ] && patch_new_files "$p" | while read -r f; do repo_path "$f"; done
	done | sort)
	all=$(overlay_files)
	local orphans
	orphans=$(comm -13 <(echo "$listed") <(echo "$all") | grep -v '^$' || true)
	[ -z "$orphans" ] || die "not in any patch (add ' new file: PATH' to the patch that adds it): $orphans"

	commit_env
	export GIT_INDEX_FILE="$T/.git/vcpuboost.index"
	g read-tree base
	local parent tree p f rp mode blob
	parent=$(g rev-parse base)
	for p in "$REPO"/patches/[0-9]*.patch; do
		[ -e "$p" ] || continue
		if grep -q '^diff --git ' "$p"; then
			g apply --cached --whitespace=nowarn <"$p" || die "$(basename "$p") does not apply"
		fi
		while read -r f; do
			[ -n "$f" ] || continue
			rp=$(repo_path "$f")
			[ -f "$REPO/$rp" ] || die "$(basename "$p"): new file $rp is missing"
			mode=100644; [ -x "$REPO/$rp" ] && mode=100755
			blob=$(g hash-object -w --path="$f" "$REPO/$rp")
			g update-index --add --cacheinfo "$mode,$blob,$f"
		done < <(patch_new_files "$p")
		tree=$(g write-tree)
		parent=$(patch_message "$p" | g commit-tree "$tree" -p "$parent")
	done
	unset GIT_INDEX_FILE
	rm -f "$T/.git/vcpuboost.index"

	g update-ref refs/heads/vcpuboost "$parent"
	if [ "$(g rev-parse HEAD)" != "$parent" ] || [ -n "$(tree_dirty)" ]; then
		g checkout -q -f -B vcpuboost "$parent"
		g clean -q -f -d -x -e '__pycache__' -- $OVERLAY_DIRS tools 2>/dev/null || true
	fi
	g update-ref refs/vcpuboost/synced "$parent"
	echo "  TREE    $(g rev-list --count base..HEAD) patches on base"
}

cmd_refresh() {
	cmd_prepare
	[ -z "$(tree_dirty)" ] ||
		die "build/linux has uncommitted edits: commit them first (git add -f for new files), e.g. with 'git commit --fixup' and 'git rebase -i --autosquash base'"
	local merges
	merges=$(g rev-list --merges base..HEAD)
	[ -z "$merges" ] || die "the series must be linear (merge commits found)"

	local tmp n c f rp slug added changed upstream
	tmp=$(mktemp -d)
	trap "rm -rf '$tmp'" EXIT
	declare -A added_by=()
	n=0
	local old_overlay
	old_overlay=$(overlay_files)
	for c in $(g rev-list --reverse base..HEAD); do
		n=$((n + 1))
		slug=$(g log -1 --format=%f "$c" | cut -c1-52)
		out=$(printf '%s/%04d-%s.patch' "$tmp" "$n" "$slug")
		added=$(g diff --name-only --no-renames --diff-filter=A "$c^" "$c")
		changed=$(g diff --name-only --no-renames --diff-filter=MDT "$c^" "$c")
		upstream=()
		for f in $changed; do
			if [ -n "${added_by[$f]:-}" ]; then
				die "$(g log -1 --format='%h %s' "$c") changes $f, which ${added_by[$f]} adds: squash the change into that commit (git rebase -i base)"
			fi
			upstream+=("$f")
		done
		{
			g log -1 --format=%B "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
			echo "---"
			for f in $added; do echo " new file: $f"; added_by[$f]=$(g log -1 --format='%h' "$c"); done
			echo
			if [ ${#upstream[@]} -gt 0 ]; then
				# A fixed abbreviation: "auto" grows with the object count.
				g diff --no-renames --abbrev=9 "$c^" "$c" -- "${upstream[@]}"
			fi
		} >"$out"
		for f in $added; do
			rp=$(repo_path "$f")
			mkdir -p "$REPO/$(dirname "$rp")"
			g show "$c:$f" >"$REPO/$rp"
			if [ "$(g ls-tree "$c" -- "$f" | cut -c1-6)" = 100755 ]; then chmod +x "$REPO/$rp"; else chmod -x "$REPO/$rp"; fi
		done
	done
	# New files that no commit adds any more leave the repository.
	local now
	now=$(for f in "${!added_by[@]}"; do repo_path "$f"; done | sort)
	for f in $(comm -23 <(echo "$old_overlay") <(echo "$now")); do
		echo "  REFRESH removing $f"
		rm -f "$REPO/$f"
	done
	rm -f "$REPO"/patches/[0-9]*.patch
	mkdir -p "$REPO/patches"
	cp "$tmp"/*.patch "$REPO/patches/" 2>/dev/null || true
	echo "  REFRESH $n patches written to patches/"
	g update-ref refs/vcpuboost/synced HEAD
	FORCE=1 cmd_sync
}

cmd_export() {
	cmd_sync
	local out=$B/patches cover=$REPO/patches/cover-letter.txt
	rm -rf "$out"
	g format-patch -q --cover-letter --thread=shallow --subject-prefix="RFC PATCH" \
		-o "$out" base..vcpuboost
	if [ -f "$cover" ]; then
		python3 - "$out"/0000-cover-letter.patch "$cover" <<'PY'
import sys
path, cover = sys.argv[1], sys.argv[2]
lines = open(cover).read().split("\n")
subject, blurb = lines[0], "\n".join(lines[1:]).strip("\n")
s = open(path).read()
s = s.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", blurb)
open(path, "w").write(s)
PY
	fi
	echo "  EXPORT  $(ls "$out" | wc -l) files in ${out#$REPO/}"
}

cmd_am_check() {
	cmd_export
	local wt=$B/am-check obj=$B/am-obj p n=0
	g worktree remove -f "$wt" 2>/dev/null || rm -rf "$wt"
	g worktree prune
	g worktree add -q --detach "$wt" base
	commit_env
	for p in "$B"/patches/0*.patch; do
		case $p in *0000-cover-letter.patch) continue ;; esac
		n=$((n + 1))
		git -C "$wt" am -q "$p" || die "git am failed at $(basename "$p")"
		echo "  AM      $(basename "$p")"
		if [ -z "${NO_BUILD:-}" ]; then
			mkdir -p "$obj"
			if [ ! -f "$obj/.config" ]; then
				make -s -C "$wt" O="$obj" tinyconfig >/dev/null
				"$wt"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
					"$REPO/kernel/configs/vcpuboost-am-check.config" >/dev/null
			fi
			make -s -C "$wt" O="$obj" olddefconfig >/dev/null
			make -s -C "$wt" O="$obj" -j"$(nproc)" vmlinux >"$obj/build-$n.log" 2>&1 ||
				{ tail -30 "$obj/build-$n.log"; die "build failed after $(basename "$p")"; }
			echo "  BUILD   ok after patch $n"
		fi
	done
	if [ -z "${NO_BUILD:-}" ]; then
		# The whole series again, with the controller configured out:
		# KVM and the scheduler must not need it.
		mkdir -p "$obj-off"
		cp "$obj/.config" "$obj-off/.config"
		"$wt"/scripts/config --file "$obj-off/.config" -d CGROUP_VCPUBOOST
		make -s -C "$wt" O="$obj-off" olddefconfig >/dev/null
		! grep -q '^CONFIG_CGROUP_VCPUBOOST=y' "$obj-off/.config" ||
			die "CONFIG_CGROUP_VCPUBOOST could not be turned off"
		make -s -C "$wt" O="$obj-off" -j"$(nproc)" vmlinux >"$obj-off/build.log" 2>&1 ||
			{ tail -30 "$obj-off/build.log"; die "the series does not build without CONFIG_CGROUP_VCPUBOOST"; }
		echo "  BUILD   ok with CONFIG_CGROUP_VCPUBOOST off"
	fi
	g worktree remove -f "$wt"
	if [ -n "${NO_BUILD:-}" ]; then
		echo "  AM-CHECK $n patches apply with git am (not built)"
	else
		echo "  AM-CHECK $n patches apply with git am and build at every patch, and without the controller"
	fi
}

# checkpatch --strict on every patch of the exported series. New files draw
# "does MAINTAINERS need updating?" until the last patch adds the entry, as
# in any series that adds its MAINTAINERS entry at the end: that one is not
# counted; anything else fails.
cmd_checkpatch() {
	cmd_export
	local p bad=0 log
	for p in "$B"/patches/0*.patch; do
		case $p in *0000-cover-letter.patch) continue ;; esac
		# spdxcheck.py wants Debian's python3-ply and python3-git.
		log=$(PATH=/usr/bin:$PATH "$T"/scripts/checkpatch.pl --strict --no-summary --terse "$p" 2>&1 |
			grep -v -e 'does MAINTAINERS need updating' || true)
		if [ -n "$log" ]; then
			echo "$log"
			bad=$((bad + 1))
		fi
		echo "  CHECK   $(basename "$p")${log:+: see above}"
	done
	[ $bad -eq 0 ] || die "checkpatch --strict: $bad patches with problems"
	echo "  CHECK   checkpatch --strict clean"
}

# A worktree of the synced series, with the harness-only patches applied;
# left alone when neither changed, so that its build stays incremental.
cmd_rt_tree() {
	local R=$B/linux-rt p stamp
	stamp=$(g rev-parse vcpuboost)
	for p in "$REPO"/tools/testing/vcpuboost/rt/*.patch; do
		[ -e "$p" ] && stamp="$stamp $(sha1sum <"$p" | cut -c1-40)"
	done
	[ -e "$R/.git" ] || g worktree add -q --detach "$R" vcpuboost
	[ "$(cat "$R/.vb-rt-stamp" 2>/dev/null)" = "$stamp" ] && return 0
	git -C "$R" checkout -q -f --detach vcpuboost
	for p in "$REPO"/tools/testing/vcpuboost/rt/*.patch; do
		[ -e "$p" ] || continue
		git -C "$R" apply "$p" || die "$(basename "$p") does not apply to the series"
	done
	echo "$stamp" >"$R/.vb-rt-stamp"
	echo "  TREE    build/linux-rt: the series and the harness's PREEMPT_RT patches"
}

case ${1:-} in
prepare) cmd_prepare ;;
rt-tree) cmd_rt_tree ;;
checkpatch) cmd_checkpatch ;;
sync) cmd_sync ;;
refresh) cmd_refresh ;;
export) cmd_export ;;
am-check) cmd_am_check ;;
*) die "usage: tree.sh prepare|sync|refresh|export|am-check|checkpatch|rt-tree" ;;
esac
