#!/bin/sh
# `make cluster-config` and `make cluster-deploy`: an overlay of deploy/k8s/
# (staging or production), rendered by kubectl's kustomize, or applied to the
# cluster of kubectl's current context: its Secrets first (each directory
# secrets/<overlay>/<secret>/, a file per key, when there is one), then the
# manifests; then it waits for each Deployment's rollout, undoing one that
# never gets ready, and for each Job to finish.
#
#   sh scripts/cluster.sh config [OVERLAY] | deploy OVERLAY
set -eu
cd "$(dirname "$0")/.."
action=${1:-}
overlay=${2:-}
[ -n "$overlay" ] || [ "$action" != config ] || overlay=staging
dir=deploy/k8s/overlays/$overlay
if [ -z "$overlay" ] || [ ! -f "$dir/kustomization.yaml" ]; then
    echo "cluster: OVERLAY=${overlay:-?}: name an overlay of deploy/k8s/overlays/ ($(cd deploy/k8s/overlays && echo *))" >&2
    exit 2
fi
if ! command -v kubectl >/dev/null 2>&1; then
    echo "cluster: needs kubectl (1.30 or later) on PATH" >&2
    exit 2
fi
manifests=$(kubectl kustomize "$dir")

case $action in
config)
    printf '%s\n' "$manifests"
    exit 0
    ;;
deploy) ;;
*)
    echo "usage: sh scripts/cluster.sh config [OVERLAY] | deploy OVERLAY" >&2
    exit 2
    ;;
esac

if printf '%s\n' "$manifests" | grep -q 'image: ghcr.io/OWNER/'; then
    echo "cluster: set newName in $dir/kustomization.yaml to the published image (ghcr.io/<owner>/<repository>)" >&2
    exit 2
fi
namespace=$(printf '%s\n' "$manifests" | sed -n 's/^  namespace: //p' | head -n 1)
echo "cluster: $overlay to $(kubectl config current-context), namespace $namespace" >&2
# The Secrets the pods read, never in the repository.
for secret in $(printf '%s\n' "$manifests" | sed -n 's/^ *secretName: //p' | sort -u); do
    if [ -d "secrets/$overlay/$secret" ]; then
        kubectl create secret generic "$secret" --namespace "$namespace" \
            --from-file "secrets/$overlay/$secret" --dry-run=client --output yaml | kubectl apply --filename -
    elif ! kubectl get secret "$secret" --namespace "$namespace" >/dev/null 2>&1; then
        echo "cluster: no Secret $secret in $namespace: put each of its keys in a file in secrets/$overlay/$secret/" >&2
        exit 2
    fi
done
# A Job's pod never changes: the last run goes, the new one runs once.
for job in $(printf '%s\n' "$manifests" | kubectl get --filename - --output name --ignore-not-found | grep '^job\.' || true); do
    kubectl delete "$job" --namespace "$namespace" --wait
done
applied=$(printf '%s\n' "$manifests" | kubectl apply --filename - --output name)
printf '%s\n' "$applied"

# Complete or Failed once the Job has ended, else nothing.
ended() {
    case " $(kubectl get "$1" --namespace "$namespace" \
        --output 'jsonpath={.status.conditions[?(@.status=="True")].type}') " in
    *" Complete "*) echo Complete ;;
    *" Failed "*) echo Failed ;;
    esac
}
for resource in $applied; do
    case $resource in
    deployment.*)
        if ! kubectl rollout status "$resource" --namespace "$namespace" --timeout 10m; then
            kubectl rollout undo "$resource" --namespace "$namespace"
            kubectl rollout status "$resource" --namespace "$namespace" --timeout 10m || true
            echo "cluster: $resource never got ready: rolled back to the previous version, which serves (the new pods' logs say why)" >&2
            exit 1
        fi
        ;;
    job.*)
        while [ -z "$(ended "$resource")" ]; do
            sleep 2
        done
        kubectl logs "$resource" --namespace "$namespace" --all-containers || true
        if [ "$(ended "$resource")" = Failed ]; then
            echo "cluster: $resource failed (its log is above)" >&2
            exit 1
        fi
        ;;
    esac
done
