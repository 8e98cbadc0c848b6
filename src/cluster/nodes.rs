//! Nodes and the scheduler: node pools with allocatable resources, labels
//! and taints; pods binding in queue order to nodes that pass
//! kube-scheduler's filters (`NodeUnschedulable`, `TaintToleration`,
//! `NodeAffinity`, `NodeResourcesFit`, in that order); and the placement
//! policy.
//!
//! A workload's pods all ask the same, so what does not depend on a node's
//! room or state is worked out once per (workload, pool) in a [`PodFit`]:
//! which pools their tolerations and node affinity admit, and how much they
//! prefer each. A workload that every pool admits and that asks for nothing
//! but cpu, memory and a pod slot takes the plain loop a cluster without
//! labels and taints always took.
//!
//! Placement is deterministic: nodes are ranked first by the pods'
//! preferences (fewer untolerated `PreferNoSchedule` taints, then more
//! weight of matching preferred node-affinity terms: kube-scheduler weighs
//! `TaintToleration` 3 and `NodeAffinity` 2 against `NodeResourcesFit` 1),
//! then by the policy: `LeastAllocated` (kube-scheduler's default scoring)
//! picks the node whose most-used resource (cpu, memory, pods) would be the
//! least used after binding; `MostAllocated` (bin packing) the most used.
//! Ties go to the node created first.

use crate::api::scheduling::{
    DEFAULT_NODE_LABELS, Directives, LABEL_HOSTNAME, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
};
use crate::scenario::{NodePool, Placement};
use std::collections::BTreeMap;

/// What a pod asks for: cpu in millicores, memory in bytes, one pod slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    pub cpu_milli: i64,
    pub memory: i64,
}

/// How a pool's nodes stand to a workload's pods, whatever their room or state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolFilter {
    /// Every taint tolerated and the labels matched.
    Admits,
    /// The pool's first taint the pods do not tolerate (its place in the pool's taints).
    Taint(usize),
    /// The labels match neither the `nodeSelector` nor the required node affinity.
    Affinity,
    /// The directives name nodes (`kubernetes.io/hostname`, `metadata.name`): node by node.
    PerNode,
}

/// A workload's pods as the scheduler sees them, worked out once.
#[derive(Clone, Debug)]
pub struct PodFit {
    pub request: Request,
    /// Other resources asked for (`nvidia.com/gpu`, `ephemeral-storage`):
    /// index in [`Nodes::resources`] and amount; none zero.
    pub scalar: Vec<(usize, i64)>,
    pools: Vec<PoolFilter>,
    /// Per pool: untolerated `PreferNoSchedule` taints (fewer first) and the
    /// weight of the preferred terms its labels match (more first).
    prefer: Vec<(u32, i64)>,
    /// The directives, kept when nodes of a pool differ for them.
    directives: Option<Box<Directives>>,
    /// Tolerating `node.kubernetes.io/unschedulable` (cordoned nodes) and
    /// `node.kubernetes.io/unreachable` (lost nodes) with effect `NoSchedule`.
    tolerates_unschedulable: bool,
    tolerates_unreachable: bool,
    /// How long the pods stay on a lost node before the taint manager evicts
    /// them (`tolerationSeconds` of the `node.kubernetes.io/unreachable`
    /// `NoExecute` toleration; 300 s as `DefaultTolerationSeconds` adds it);
    /// `None`: tolerated for good.
    pub evict_unreachable_after: Option<u64>,
    /// Nothing but cpu, memory and a pod slot matters: the plain loop.
    plain: bool,
}

use super::nodelifecycle::DEFAULT_UNREACHABLE_TOLERATION_MS;

impl PodFit {
    /// A pod with only a request, which every pool admits.
    pub fn plain(request: Request) -> Self {
        PodFit {
            request,
            scalar: Vec::new(),
            pools: Vec::new(),
            prefer: Vec::new(),
            directives: None,
            tolerates_unschedulable: false,
            tolerates_unreachable: false,
            evict_unreachable_after: Some(DEFAULT_UNREACHABLE_TOLERATION_MS),
            plain: true,
        }
    }
}

/// Live nodes, and how many refuse a pod for each reason the scheduler names.
#[derive(Clone, Debug, Default, Eq)]
pub struct UnfitCounts {
    pub live: u32,
    pub cpu: u32,
    pub memory: u32,
    pub pods: u32,
    /// Lost nodes: the `node.kubernetes.io/unreachable` taint.
    pub not_ready: u32,
    pub cordoned: u32,
    pub affinity: u32,
    /// Per distinct (key, value) of the pools' taints ([`Nodes::taint_names`]).
    pub taints: Vec<u32>,
    /// Per resource of [`Nodes::resources`].
    pub scalar: Vec<u32>,
}

/// Field by field, the lists element by element: a queued pod compares the
/// counts it sees with the last message's, and the lists are nearly always
/// empty, where the derived comparison calls `memcmp` for each. `self` is
/// taken apart field by field, so a field added later cannot be missed.
impl PartialEq for UnfitCounts {
    fn eq(&self, o: &Self) -> bool {
        let UnfitCounts {
            live,
            cpu,
            memory,
            pods,
            not_ready,
            cordoned,
            affinity,
            taints,
            scalar,
        } = self;
        (*live, *cpu, *memory, *pods) == (o.live, o.cpu, o.memory, o.pods)
            && (*not_ready, *cordoned, *affinity) == (o.not_ready, o.cordoned, o.affinity)
            && taints.iter().eq(&o.taints)
            && scalar.iter().eq(&o.scalar)
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub pool: usize,
    /// Its number in the pool (`<pool>-<ordinal>`).
    pub ordinal: u32,
    pub cpu_milli: i64,
    pub memory: i64,
    pub pods: i64,
    pub used: Request,
    pub used_pods: i64,
    /// Requested of each resource of [`Nodes::resources`] (empty without any).
    pub used_scalar: Box<[i64]>,
    /// Lost (NotReady) nodes take no pods.
    pub ready: bool,
    /// Cordoned (drained) nodes take no new pods.
    pub cordoned: bool,
    /// Removed from the cluster.
    pub removed: bool,
}

impl Node {
    pub fn fits(&self, r: Request) -> bool {
        self.ready
            && !self.cordoned
            && !self.removed
            && self.used_pods < self.pods
            && self.used.cpu_milli + r.cpu_milli <= self.cpu_milli
            && self.used.memory + r.memory <= self.memory
    }

    /// The most-used share of the node's resources if `r` were added, in [0, 1].
    fn load_after(&self, r: Request) -> f64 {
        let share = |used: i64, cap: i64| {
            if cap <= 0 || cap == i64::MAX {
                0.0
            } else {
                used as f64 / cap as f64
            }
        };
        share(self.used.cpu_milli + r.cpu_milli, self.cpu_milli)
            .max(share(self.used.memory + r.memory, self.memory))
            .max(share(self.used_pods + 1, self.pods))
    }

    pub fn allocate(&mut self, r: Request) {
        self.used.cpu_milli += r.cpu_milli;
        self.used.memory += r.memory;
        self.used_pods += 1;
    }

    pub fn release(&mut self, r: Request) {
        self.used.cpu_milli -= r.cpu_milli;
        self.used.memory -= r.memory;
        self.used_pods -= 1;
    }
}

/// The nodes a pod of one plain request fits on ([`Node::fits`]), as a
/// bitset by node index, and why the others refuse it ([`UnfitCounts`]),
/// both kept as nodes change ([`Nodes::index_fit`]). A placement walks
/// these nodes instead of every node, and the reason of an unschedulable pod
/// is read, not counted: on a cluster of hundreds of nodes that pods keep
/// full, those two walks were most of a run's work.
#[derive(Clone, Debug)]
struct FitIndex {
    request: Request,
    words: Vec<u64>,
    /// Kept only when asked for (a run that writes no timeline names no reasons).
    counts: Option<UnfitCounts>,
}

impl FitIndex {
    /// Adds (`sign` 1) or takes away (-1) what node `n` counts for among
    /// the reasons, as [`Nodes::unfit_counts`] walks a plain pod's filters.
    fn count(&mut self, n: &Node, sign: i32) {
        let (r, Some(c)) = (self.request, self.counts.as_mut()) else {
            return;
        };
        if n.removed {
            return;
        }
        let add = |v: &mut u32, on: bool| *v = v.wrapping_add_signed(sign * i32::from(on));
        add(&mut c.live, true);
        if n.cordoned {
            add(&mut c.cordoned, true);
        } else if !n.ready {
            add(&mut c.not_ready, true);
        } else {
            add(&mut c.pods, n.used_pods >= n.pods);
            add(&mut c.cpu, n.used.cpu_milli + r.cpu_milli > n.cpu_milli);
            add(&mut c.memory, n.used.memory + r.memory > n.memory);
        }
    }

    fn set(&mut self, node: usize, fits: bool) {
        let (word, bit) = (node / 64, node % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        if fits {
            self.words[word] |= 1 << bit;
        } else {
            self.words[word] &= !(1 << bit);
        }
    }

    /// The nodes that fit, in index order.
    fn nodes(&self) -> impl Iterator<Item = usize> + '_ {
        (self.words.iter().enumerate()).flat_map(|(w, &word)| SetBits(word).map(move |b| w * 64 + b))
    }
}

/// The set bits of a word, lowest first.
struct SetBits(u64);

impl Iterator for SetBits {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

/// Resources that nodes have without a pool saying so: a request of one of
/// them is limited only by what a pool gives.
const UNLIMITED_UNLESS_GIVEN: [&str; 1] = ["ephemeral-storage"];

/// The cluster's nodes, with pool membership.
#[derive(Clone, Debug, Default)]
pub struct Nodes {
    pub nodes: Vec<Node>,
    pub pools: Vec<NodePool>,
    pub placement: Placement,
    /// Nodes created so far per pool (for names of added nodes).
    created: Vec<u32>,
    /// Resources other than cpu, memory and pods that pools give or pods ask
    /// for, sorted by name.
    pub resources: Vec<String>,
    /// Per pool: allocatable of each of `resources`.
    pool_scalar: Vec<Vec<i64>>,
    /// Per pool: its nodes' labels but the hostname (the defaults, then the pool's).
    pool_labels: Vec<BTreeMap<String, String>>,
    /// The distinct (key, value) of the pools' taints, and each pool taint's place among them.
    pub taint_names: Vec<(String, String)>,
    pool_taint_ids: Vec<Vec<usize>>,
    /// Whether an untolerated taint is named in the message (`{key: value}`),
    /// as kube-scheduler did before 1.34.
    pub name_taints: bool,
    /// Per pool: its nodes not removed, and the sum of their busy shares
    /// ([`Nodes::busy_share`]), kept with `track_busy`.
    pub pool_live: Vec<u32>,
    pub pool_busy: Vec<f64>,
    track_busy: bool,
    /// Counts every change to what the scheduler sees (a node added,
    /// removed, lost, recovered or cordoned, room taken or freed), so that
    /// what was worked out from the nodes can be kept until they change.
    version: u64,
    /// [`Nodes::usage`], kept as nodes and their pods change: the world reads
    /// it at every change of room, which a walk over the nodes made cost as
    /// much as the cluster is large.
    usage: Usage,
    /// The nodes each indexed plain request fits on.
    fit_index: Vec<FitIndex>,
    /// Some fit index keeps its unfit counts.
    counting: bool,
}

/// The room of the ready nodes still in the cluster: cpu used and
/// allocatable (millicores; a node without a cpu limit adds none), pods
/// bound and pod slots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu: i64,
    pub cpu_capacity: i64,
    pub pods: i64,
    pub pod_capacity: i64,
}

impl Usage {
    /// Adds (`sign` 1) or takes away (-1) what `n` has and holds.
    fn count(&mut self, n: &Node, sign: i64) {
        let cap = if n.cpu_milli == i64::MAX { 0 } else { n.cpu_milli };
        self.cpu += sign * n.used.cpu_milli;
        self.cpu_capacity += sign * cap;
        self.pods += sign * n.used_pods;
        self.pod_capacity += sign * n.pods;
    }
}

impl Node {
    /// Whether its room counts in [`Nodes::usage`].
    fn in_usage(&self) -> bool {
        self.ready && !self.removed
    }
}

impl Nodes {
    pub fn new(pools: &[NodePool], placement: Placement) -> Self {
        Self::with(pools, placement, &[], true)
    }

    /// A pool's allocatable extended resources as `RESOURCE=N` fields joined
    /// by `;` (for the timeline's `NodeAdded` rows): those it gives an amount.
    pub fn extended_allocatable(&self, pool: usize) -> String {
        let given = (self.resources.iter().zip(&self.pool_scalar[pool])).filter(|(_, v)| **v > 0 && **v < i64::MAX);
        given.map(|(r, v)| format!("{r}={v}")).collect::<Vec<_>>().join(";")
    }

    /// A pod's extended resources as `RESOURCE=N` fields joined by `;` (for
    /// the timeline's `PodScheduled` rows).
    pub fn extended_request(&self, fit: &PodFit) -> String {
        (fit.scalar.iter())
            .map(|&(i, v)| format!("{}={v}", self.resources[i]))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The pools' nodes; `demanded` names the resources pods ask for beside
    /// cpu and memory, and `name_taints` how messages name taints.
    pub fn with(pools: &[NodePool], placement: Placement, demanded: &[&str], name_taints: bool) -> Self {
        let mut resources: Vec<String> = (pools.iter())
            .flat_map(|p| p.scalar.keys().map(String::as_str))
            .chain(demanded.iter().copied())
            .map(String::from)
            .collect();
        resources.sort();
        resources.dedup();
        let pool_scalar = (pools.iter())
            .map(|p| {
                (resources.iter())
                    .map(|r| match p.scalar.get(r) {
                        Some(&v) => v,
                        None if UNLIMITED_UNLESS_GIVEN.contains(&r.as_str()) => i64::MAX,
                        None => 0,
                    })
                    .collect()
            })
            .collect();
        let pool_labels = (pools.iter())
            .map(|p| {
                let mut l: BTreeMap<String, String> = (DEFAULT_NODE_LABELS.iter())
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                l.extend(p.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
                l
            })
            .collect();
        let mut taint_names: Vec<(String, String)> = Vec::new();
        let mut pool_taint_ids = Vec::new();
        for p in pools {
            let ids = (p.taints.iter())
                .map(|t| {
                    let name = (t.key.clone(), t.value.clone());
                    taint_names.iter().position(|n| *n == name).unwrap_or_else(|| {
                        taint_names.push(name);
                        taint_names.len() - 1
                    })
                })
                .collect();
            pool_taint_ids.push(ids);
        }
        let track_busy = pools.iter().any(|p| p.price_per_hour.is_some());
        let mut n = Nodes {
            nodes: Vec::new(),
            pools: pools.to_vec(),
            placement,
            created: vec![0; pools.len()],
            resources,
            pool_scalar,
            pool_labels,
            taint_names,
            pool_taint_ids,
            name_taints,
            pool_live: vec![0; pools.len()],
            pool_busy: vec![0.0; pools.len()],
            track_busy,
            version: 0,
            usage: Usage::default(),
            fit_index: Vec::new(),
            counting: false,
        };
        for (p, pool) in pools.iter().enumerate() {
            for _ in 0..pool.count {
                n.add(p);
            }
        }
        n
    }

    /// Changes whenever what the scheduler sees of the nodes does.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The node lifecycle controller marks a node ready or not (lost).
    pub fn set_ready(&mut self, node: usize, ready: bool) {
        self.version += 1;
        self.uncount(node);
        self.nodes[node].ready = ready;
        self.recount(node);
    }

    /// Takes the node out of the usage and the fit indexes' counts while it changes ...
    fn uncount(&mut self, node: usize) {
        let n = &self.nodes[node];
        if n.in_usage() {
            self.usage.count(n, -1);
        }
        if self.counting {
            for ix in &mut self.fit_index {
                ix.count(n, -1);
            }
        }
    }

    /// ... and puts it back as it is now, and where it fits.
    fn recount(&mut self, node: usize) {
        let n = &self.nodes[node];
        if n.in_usage() {
            self.usage.count(n, 1);
        }
        for ix in &mut self.fit_index {
            ix.set(node, n.fits(ix.request));
            if self.counting {
                ix.count(n, 1);
            }
        }
    }

    /// Keeps the nodes that pods of `fit` fit on, if its request is plain
    /// (cpu, memory and a pod slot): [`Nodes::place`] then walks only those.
    /// With `counts`, also why the other nodes refuse them, for
    /// [`Nodes::unfit_counts`] (an index made without them gains them).
    pub fn index_fit(&mut self, fit: &PodFit, counts: bool) {
        if !fit.plain {
            return;
        }
        let at = match self.fit_index.iter().position(|ix| ix.request == fit.request) {
            Some(at) => at,
            None => {
                let mut ix = FitIndex {
                    request: fit.request,
                    words: Vec::new(),
                    counts: None,
                };
                for (i, n) in self.nodes.iter().enumerate() {
                    ix.set(i, n.fits(fit.request));
                }
                self.fit_index.push(ix);
                self.fit_index.len() - 1
            }
        };
        let ix = &mut self.fit_index[at];
        if counts && ix.counts.is_none() {
            ix.counts = Some(UnfitCounts::default());
            for n in &self.nodes {
                ix.count(n, 1);
            }
            self.counting = true;
        }
    }

    /// `kubectl cordon`: no new pod binds to the node.
    pub fn cordon(&mut self, node: usize) {
        self.version += 1;
        self.uncount(node);
        self.nodes[node].cordoned = true;
        self.recount(node);
    }

    /// Without node pools the cluster has unlimited room.
    pub fn unlimited(&self) -> bool {
        self.pools.is_empty()
    }

    pub fn add(&mut self, pool: usize) -> usize {
        self.version += 1;
        let p = &self.pools[pool];
        let name = format!("{}-{}", p.name, self.created[pool]);
        let ordinal = self.created[pool];
        self.created[pool] += 1;
        self.pool_live[pool] += 1;
        self.nodes.push(Node {
            name,
            pool,
            ordinal,
            cpu_milli: p.cpu_milli,
            memory: p.memory_bytes,
            pods: p.pods,
            used: Request::default(),
            used_pods: 0,
            used_scalar: vec![0; self.resources.len()].into_boxed_slice(),
            ready: true,
            cordoned: false,
            removed: false,
        });
        self.recount(self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// The node leaves the cluster (its pods were evicted).
    pub fn remove(&mut self, node: usize) {
        self.version += 1;
        let n = &self.nodes[node];
        if n.removed {
            return;
        }
        if self.track_busy {
            self.pool_busy[n.pool] -= self.busy_share(node);
        }
        self.pool_live[n.pool] -= 1;
        self.uncount(node);
        self.nodes[node].removed = true;
        self.recount(node);
    }

    /// The largest share of a node's allocatable cpu, memory or other
    /// resources (`nvidia.com/gpu`) that its pods request: how busy what is
    /// paid for is. Resources a pool does not give, or gives without limit,
    /// do not count.
    pub fn busy_share(&self, node: usize) -> f64 {
        let n = &self.nodes[node];
        let share = |used: i64, cap: i64| {
            if cap <= 0 || cap == i64::MAX {
                0.0
            } else {
                used as f64 / cap as f64
            }
        };
        let caps = &self.pool_scalar[n.pool];
        (n.used_scalar.iter().zip(caps)).map(|(&u, &c)| share(u, c)).fold(
            share(n.used.cpu_milli, n.cpu_milli).max(share(n.used.memory, n.memory)),
            f64::max,
        )
    }

    /// A pod of `fit` takes its room on `node`.
    pub fn allocate(&mut self, node: usize, fit: &PodFit) {
        self.version += 1;
        let before = if self.track_busy { self.busy_share(node) } else { 0.0 };
        self.uncount(node);
        let n = &mut self.nodes[node];
        n.allocate(fit.request);
        for &(r, v) in &fit.scalar {
            n.used_scalar[r] += v;
        }
        self.recount(node);
        if self.track_busy && !self.nodes[node].removed {
            let pool = self.nodes[node].pool;
            self.pool_busy[pool] += self.busy_share(node) - before;
        }
    }

    /// A pod of `fit` frees its room on `node`.
    pub fn release(&mut self, node: usize, fit: &PodFit) {
        self.version += 1;
        let before = if self.track_busy { self.busy_share(node) } else { 0.0 };
        self.uncount(node);
        let n = &mut self.nodes[node];
        n.release(fit.request);
        for &(r, v) in &fit.scalar {
            n.used_scalar[r] -= v;
        }
        self.recount(node);
        if self.track_busy && !self.nodes[node].removed {
            let pool = self.nodes[node].pool;
            self.pool_busy[pool] += self.busy_share(node) - before;
        }
    }

    /// A nominated pod of `fit` holds (`hold`: true) or stops holding its
    /// room on `node` while another pod is placed: no busy share moves.
    pub fn hold(&mut self, node: usize, fit: &PodFit, hold: bool) {
        self.version += 1;
        self.uncount(node);
        let n = &mut self.nodes[node];
        if hold {
            n.allocate(fit.request);
        } else {
            n.release(fit.request);
        }
        for &(r, v) in &fit.scalar {
            n.used_scalar[r] += if hold { v } else { -v };
        }
        self.recount(node);
    }

    /// The room left on `node`, in the order of [`Nodes::node_capacity`].
    pub fn room(&self, node: usize) -> Vec<i64> {
        let n = &self.nodes[node];
        let mut v = self.node_capacity(n.pool);
        let used = [n.used.cpu_milli, n.used.memory, n.used_pods];
        for (c, &u) in v.iter_mut().zip(used.iter().chain(n.used_scalar.iter())) {
            if *c != i64::MAX {
                *c -= u;
            }
        }
        v
    }

    /// The labels of a node of `pool` named `name`.
    fn label<'a>(&'a self, pool: usize, name: &'a str) -> impl Fn(&str) -> Option<&'a str> + Copy + 'a {
        move |k: &str| {
            if k == LABEL_HOSTNAME {
                Some(name)
            } else {
                self.pool_labels[pool].get(k).map(String::as_str)
            }
        }
    }

    /// What the scheduler works out once for a workload's pods: their
    /// request (`scalar`: other resources by name, whole units), and how each
    /// pool's taints and labels stand to their directives.
    pub fn pod_fit(&self, request: Request, scalar: &BTreeMap<String, i64>, d: &Directives) -> PodFit {
        let scalar: Vec<(usize, i64)> = (scalar.iter())
            .filter(|(_, v)| **v > 0)
            .map(|(k, v)| {
                (
                    self.resources
                        .binary_search(k)
                        .expect("every demanded resource is known"),
                    *v,
                )
            })
            .collect();
        let names_nodes = d.names_nodes();
        let pools: Vec<PoolFilter> = (self.pools.iter().enumerate())
            .map(|(p, pool)| {
                if let Some(t) = d.untolerated(&pool.taints) {
                    PoolFilter::Taint(pool.taints.iter().position(|x| x == t).expect("one of them"))
                } else if names_nodes {
                    PoolFilter::PerNode
                } else if d.match_node(self.label(p, ""), "") {
                    PoolFilter::Admits
                } else {
                    PoolFilter::Affinity
                }
            })
            .collect();
        let prefers_nodes = d.prefers_nodes();
        let prefer: Vec<(u32, i64)> = (self.pools.iter().enumerate())
            .map(|(p, pool)| {
                let weight = if prefers_nodes {
                    0
                } else {
                    d.preference(self.label(p, ""), "")
                };
                (d.intolerable_preferences(&pool.taints), weight)
            })
            .collect();
        let evict_unreachable_after = super::nodelifecycle::unreachable_eviction_after(&d.tolerations);
        let tolerates_unschedulable = d.tolerates_no_schedule(TAINT_NODE_UNSCHEDULABLE);
        let tolerates_unreachable = d.tolerates_no_schedule(TAINT_NODE_UNREACHABLE);
        let plain = scalar.is_empty()
            && pools.iter().all(|f| *f == PoolFilter::Admits)
            && prefer.windows(2).all(|w| w[0] == w[1])
            && !prefers_nodes
            && !tolerates_unschedulable
            && !tolerates_unreachable;
        PodFit {
            request,
            scalar,
            pools,
            prefer,
            directives: (names_nodes || prefers_nodes).then(|| Box::new(d.clone())),
            tolerates_unschedulable,
            tolerates_unreachable,
            evict_unreachable_after,
            plain,
        }
    }

    /// Whether the pods may go to the node at all (`NodeUnschedulable`,
    /// `TaintToleration`, `NodeAffinity`), whatever its room.
    fn passes(&self, fit: &PodFit, n: &Node) -> bool {
        if n.removed || (n.cordoned && !fit.tolerates_unschedulable) || (!n.ready && !fit.tolerates_unreachable) {
            return false;
        }
        match fit.pools[n.pool] {
            PoolFilter::Admits => true,
            PoolFilter::Taint(_) | PoolFilter::Affinity => false,
            PoolFilter::PerNode => {
                (fit.directives.as_deref()).is_some_and(|d| d.match_node(self.label(n.pool, &n.name), &n.name))
            }
        }
    }

    /// `Nodes::passes` for any pod: a plain one only asks that the node be
    /// live, ready and not cordoned.
    pub fn admits(&self, fit: &PodFit, n: &Node) -> bool {
        if fit.plain {
            n.ready && !n.cordoned && !n.removed
        } else {
            self.passes(fit, n)
        }
    }

    /// Whether a pod of `fit` could bind to node `i` now: filters and room.
    pub fn can_take(&self, fit: &PodFit, i: usize) -> bool {
        let n = &self.nodes[i];
        self.admits(fit, n) && self.has_room(fit, n)
    }

    /// Whether the node has room for the pods (`NodeResourcesFit`).
    fn has_room(&self, fit: &PodFit, n: &Node) -> bool {
        let r = fit.request;
        n.used_pods < n.pods
            && n.used.cpu_milli + r.cpu_milli <= n.cpu_milli
            && n.used.memory + r.memory <= n.memory
            && (fit.scalar.iter()).all(|&(i, v)| n.used_scalar[i] + v <= self.pool_scalar[n.pool][i])
    }

    /// The pods' preference for a node: (untolerated `PreferNoSchedule`
    /// taints, preferred-term weight).
    fn preference(&self, fit: &PodFit, n: &Node) -> (u32, i64) {
        let (taints, weight) = fit.prefer[n.pool];
        match fit.directives.as_deref() {
            Some(d) if d.prefers_nodes() => (taints, d.preference(self.label(n.pool, &n.name), &n.name)),
            _ => (taints, weight),
        }
    }

    /// The node a pod binds to, by its preferences and the placement policy.
    pub fn place(&self, fit: &PodFit) -> Option<usize> {
        // A queue of pending pods usually waits on a full cluster: each
        // placement would walk every node to find none. Without a free pod
        // slot on a ready node, only a pod that tolerates unreachable nodes
        // (which hold their pods, and may have room) can go anywhere.
        if self.usage.pods >= self.usage.pod_capacity && (fit.plain || !fit.tolerates_unreachable) {
            return None;
        }
        if fit.plain {
            return self.place_plain(fit.request);
        }
        let mut best: Option<(usize, (u32, i64), f64)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if !self.passes(fit, n) || !self.has_room(fit, n) {
                continue;
            }
            let (taints, weight) = self.preference(fit, n);
            let load = n.load_after(fit.request);
            let better = match best {
                None => true,
                Some((_, (bt, bw), bl)) => {
                    (taints, std::cmp::Reverse(weight)) < (bt, std::cmp::Reverse(bw))
                        || ((taints, weight) == (bt, bw)
                            && match self.placement {
                                Placement::LeastAllocated => load < bl,
                                Placement::MostAllocated => load > bl,
                            })
                }
            };
            if better {
                best = Some((i, (taints, weight), load));
            }
        }
        best.map(|(i, _, _)| i)
    }

    /// The node a pod with only request `r` binds to, by the placement policy:
    /// among the nodes its index says it fits on, if it has one.
    fn place_plain(&self, r: Request) -> Option<usize> {
        match self.fit_index.iter().find(|ix| ix.request == r) {
            Some(ix) => {
                let placed = self.place_plain_among(r, ix.nodes());
                debug_assert_eq!(
                    placed,
                    self.place_plain_among(r, 0..self.nodes.len()),
                    "fit index drifted"
                );
                placed
            }
            None => self.place_plain_among(r, 0..self.nodes.len()),
        }
    }

    /// [`Nodes::place_plain`] over `candidates`, in index order (ties go to the first).
    fn place_plain_among(&self, r: Request, candidates: impl Iterator<Item = usize>) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for i in candidates {
            let n = &self.nodes[i];
            if !n.fits(r) {
                continue;
            }
            let load = n.load_after(r);
            let better = match (best, self.placement) {
                (None, _) => true,
                (Some((_, b)), Placement::LeastAllocated) => load < b,
                (Some((_, b)), Placement::MostAllocated) => load > b,
            };
            if better {
                best = Some((i, load));
            }
        }
        best.map(|(i, _)| i)
    }

    /// Whether the pods could fit on an empty node of some pool that admits them.
    pub fn could_ever_fit(&self, fit: &PodFit) -> bool {
        let r = fit.request;
        self.pools.iter().enumerate().any(|(p, pool)| {
            (fit.plain
                || matches!(fit.pools[p], PoolFilter::Admits | PoolFilter::PerNode)
                    && (fit.scalar.iter()).all(|&(i, v)| v <= self.pool_scalar[p][i]))
                && r.cpu_milli <= pool.cpu_milli
                && r.memory <= pool.memory_bytes
                && pool.pods > 0
        })
    }

    /// What an empty node of `pool` holds, as the autoscaler packs it:
    /// `[cpu, memory, pod slots, each of `resources`]`.
    pub fn node_capacity(&self, pool: usize) -> Vec<i64> {
        let p = &self.pools[pool];
        let mut v = vec![p.cpu_milli, p.memory_bytes, p.pods];
        v.extend_from_slice(&self.pool_scalar[pool]);
        v
    }

    /// What one pod of `fit` takes, in the order of [`Nodes::node_capacity`].
    pub fn demand(&self, fit: &PodFit) -> Vec<i64> {
        let mut v = vec![fit.request.cpu_milli, fit.request.memory, 1];
        v.resize(3 + self.resources.len(), 0);
        for &(i, n) in &fit.scalar {
            v[3 + i] = n;
        }
        v
    }

    /// Whether a new node of `pool` would admit the pods (taints and
    /// labels; pods that name nodes are not counted on new ones) and,
    /// empty, hold one.
    pub fn new_node_admits(&self, fit: &PodFit, pool: usize) -> bool {
        (fit.plain || fit.pools[pool] == PoolFilter::Admits)
            && (self.demand(fit).iter().zip(self.node_capacity(pool))).all(|(&d, c)| d <= c)
    }

    /// Why the pods wait: the scheduler's message, and a note when no node
    /// of any pool could ever hold them.
    pub fn unschedulable_reason(&self, fit: &PodFit) -> String {
        self.reason(&self.unfit_counts(fit), self.could_ever_fit(fit))
    }

    /// [`Nodes::unschedulable_reason`] from the counts and fit it depends on.
    pub fn reason(&self, counts: &UnfitCounts, could_ever_fit: bool) -> String {
        let mut reason = self.message(counts);
        if !could_ever_fit {
            reason.push_str(" The pod fits on no node of any pool.");
        }
        reason
    }

    /// The reason a taint gives, as kube-scheduler's `TaintToleration` words it.
    fn taint_reason(&self, key: &str, value: &str) -> String {
        if self.name_taints {
            format!("node(s) had untolerated taint {{{key}: {value}}}")
        } else {
            "node(s) had untolerated taint(s)".into()
        }
    }

    /// The `PodScheduled=False` message, as `FitError.Error` writes it: each
    /// reason with the number of nodes that gave it, the `"N reason"`
    /// strings sorted (`0/9 nodes are available: 3 Insufficient
    /// nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector.`).
    pub fn message(&self, c: &UnfitCounts) -> String {
        if c.live == 0 {
            return "no nodes available to schedule pods".into();
        }
        let mut reasons: Vec<(String, u32)> = Vec::new();
        let mut add = |reason: String, count: u32| {
            if count == 0 {
                return;
            }
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += count,
                None => reasons.push((reason, count)),
            }
        };
        add("Insufficient cpu".into(), c.cpu);
        add("Insufficient memory".into(), c.memory);
        for (name, &count) in self.resources.iter().zip(&c.scalar) {
            add(format!("Insufficient {name}"), count);
        }
        add("Too many pods".into(), c.pods);
        add(self.taint_reason(TAINT_NODE_UNREACHABLE, ""), c.not_ready);
        for ((key, value), &count) in self.taint_names.iter().zip(&c.taints) {
            add(self.taint_reason(key, value), count);
        }
        add("node(s) were unschedulable".into(), c.cordoned);
        add("node(s) didn't match Pod's node affinity/selector".into(), c.affinity);
        let mut parts: Vec<String> = reasons.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
        parts.sort();
        format!("0/{} nodes are available: {}.", c.live, parts.join(", "))
    }

    /// Why each live node refuses the pods, counted as kube-scheduler
    /// counts: the first filter a node fails gives its reason, and
    /// `NodeResourcesFit` names every resource short.
    pub fn unfit_counts(&self, fit: &PodFit) -> UnfitCounts {
        let kept = self.fit_index.iter().find(|ix| fit.plain && ix.request == fit.request);
        if let Some(counts) = kept.and_then(|ix| ix.counts.as_ref()) {
            debug_assert_eq!(*counts, self.walk_unfit_counts(fit), "kept unfit counts drifted");
            return counts.clone();
        }
        self.walk_unfit_counts(fit)
    }

    /// [`Nodes::unfit_counts`] by a walk over the nodes.
    fn walk_unfit_counts(&self, fit: &PodFit) -> UnfitCounts {
        let mut c = UnfitCounts {
            taints: vec![0; if fit.plain { 0 } else { self.taint_names.len() }],
            scalar: vec![0; if fit.scalar.is_empty() { 0 } else { self.resources.len() }],
            ..Default::default()
        };
        let r = fit.request;
        for n in self.nodes.iter().filter(|n| !n.removed) {
            c.live += 1;
            if n.cordoned && !fit.tolerates_unschedulable {
                c.cordoned += 1;
                continue;
            }
            if !fit.plain
                && let PoolFilter::Taint(t) = fit.pools[n.pool]
            {
                c.taints[self.pool_taint_ids[n.pool][t]] += 1;
                continue;
            }
            if !n.ready && !fit.tolerates_unreachable {
                c.not_ready += 1;
                continue;
            }
            if !fit.plain && !self.passes(fit, n) {
                c.affinity += 1;
                continue;
            }
            c.pods += u32::from(n.used_pods >= n.pods);
            c.cpu += u32::from(n.used.cpu_milli + r.cpu_milli > n.cpu_milli);
            c.memory += u32::from(n.used.memory + r.memory > n.memory);
            for &(i, v) in &fit.scalar {
                c.scalar[i] += u32::from(n.used_scalar[i] + v > self.pool_scalar[n.pool][i]);
            }
        }
        c
    }

    /// Allocated and allocatable cpu (millicores) and pod slots of live nodes.
    pub fn usage(&self) -> Usage {
        debug_assert_eq!(self.usage, self.recounted_usage(), "kept node usage drifted");
        self.usage
    }

    /// [`Nodes::usage`] by a walk over the nodes.
    fn recounted_usage(&self) -> Usage {
        let mut u = Usage::default();
        for n in self.nodes.iter().filter(|n| n.in_usage()) {
            u.count(n, 1);
        }
        u
    }
}

/// The effective request of a pod (`resource.PodRequests`): the larger of the
/// sum of the app containers (plus sidecars) and the largest init container.
pub fn pod_request(spec: &crate::api::PodSpec) -> Request {
    let get = |c: &crate::api::Container, k: &str| {
        c.resources
            .requests
            .get(k)
            .or_else(|| c.resources.limits.get(k))
            .map_or(0, |q| q.milli_value() as i64)
    };
    let sidecar = |c: &&crate::api::Container| c.restart_policy.as_deref() == Some("Always");
    let (mut cpu, mut mem) = (0i64, 0i64);
    for c in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().filter(sidecar))
    {
        cpu += get(c, "cpu");
        mem += get(c, "memory") / 1000;
    }
    let (mut init_cpu, mut init_mem) = (0, 0);
    for c in spec.init_containers.iter().filter(|c| !sidecar(c)) {
        init_cpu = init_cpu.max(get(c, "cpu"));
        init_mem = init_mem.max(get(c, "memory") / 1000);
    }
    Request {
        cpu_milli: cpu.max(init_cpu),
        memory: mem.max(init_mem),
    }
}

/// The pod's requests of resources other than cpu and memory
/// (`nvidia.com/gpu`, `ephemeral-storage`), in whole units, by the same rule
/// as [`pod_request`]; a limit stands for a missing request, as the API
/// server's defaulting makes it.
pub fn pod_scalar_request(spec: &crate::api::PodSpec) -> BTreeMap<String, i64> {
    let sidecar = |c: &&crate::api::Container| c.restart_policy.as_deref() == Some("Always");
    let names: std::collections::BTreeSet<&String> = (spec.containers.iter().chain(&spec.init_containers))
        .flat_map(|c| c.resources.requests.keys().chain(c.resources.limits.keys()))
        .filter(|k| !["cpu", "memory"].contains(&k.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for name in names {
        let get = |c: &crate::api::Container| {
            (c.resources.requests.get(name))
                .or_else(|| c.resources.limits.get(name))
                .map_or(0, |q| q.value().clamp(0, i64::MAX as i128) as i64)
        };
        let sum: i64 = (spec.containers.iter())
            .chain(spec.init_containers.iter().filter(sidecar))
            .map(get)
            .fold(0, i64::saturating_add);
        let init = (spec.init_containers.iter().filter(|c| !sidecar(c)))
            .map(get)
            .max()
            .unwrap_or(0);
        out.insert(name.clone(), sum.max(init));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::scheduling::{Taint, TaintEffect};
    use crate::api::{Container, PodSpec, Quantity};

    proptest::proptest! {
        /// Counts are equal exactly when every field and every list element is.
        #[test]
        fn unfit_counts_are_equal_when_every_field_is(
            a in proptest::collection::vec(0u32..2, 7),
            b in proptest::collection::vec(0u32..2, 7),
            (ta, tb) in (proptest::collection::vec(0u32..2, 0..3), proptest::collection::vec(0u32..2, 0..3)),
            (sa, sb) in (proptest::collection::vec(0u32..2, 0..2), proptest::collection::vec(0u32..2, 0..2)),
        ) {
            let counts = |f: &[u32], taints: &[u32], scalar: &[u32]| UnfitCounts {
                live: f[0],
                cpu: f[1],
                memory: f[2],
                pods: f[3],
                not_ready: f[4],
                cordoned: f[5],
                affinity: f[6],
                taints: taints.to_vec(),
                scalar: scalar.to_vec(),
            };
            let same = a == b && ta == tb && sa == sb;
            proptest::prop_assert_eq!(counts(&a, &ta, &sa) == counts(&b, &tb, &sb), same);
            proptest::prop_assert!(counts(&a, &ta, &sa) == counts(&a, &ta, &sa));
        }
    }

    /// Counts that differ in any one field, or in one list element or a
    /// list's length, are unequal; a copy is equal.
    #[test]
    fn unfit_counts_differing_in_any_one_field_are_unequal() {
        let base = UnfitCounts {
            live: 1,
            cpu: 2,
            memory: 3,
            pods: 4,
            not_ready: 5,
            cordoned: 6,
            affinity: 7,
            taints: vec![8, 9],
            scalar: vec![10],
        };
        assert_eq!(base, base.clone());
        let changes: [fn(&mut UnfitCounts); 13] = [
            |c| c.live += 1,
            |c| c.cpu += 1,
            |c| c.memory += 1,
            |c| c.pods += 1,
            |c| c.not_ready += 1,
            |c| c.cordoned += 1,
            |c| c.affinity += 1,
            |c| c.taints[0] += 1,
            |c| c.taints[1] += 1,
            |c| c.taints.push(0),
            |c| c.scalar[0] += 1,
            |c| c.scalar.push(0),
            |c| c.scalar.clear(),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut other = base.clone();
            change(&mut other);
            assert_ne!(base, other, "change {i} went unseen");
            assert_ne!(other, base, "change {i} went unseen, compared the other way");
        }
    }

    fn pool(name: &str, count: u32, cpu: i64, pods: i64) -> NodePool {
        NodePool {
            name: name.into(),
            count,
            cpu_milli: cpu,
            memory_bytes: 64 << 30,
            pods,
            ..Default::default()
        }
    }

    /// Random changes to a cluster of two pools (room taken and freed, nodes
    /// lost, recovered, cordoned, added and removed): after each, the kept
    /// fit indexes place pods and count reasons as the walks over every node
    /// do, for both placement policies and two requests.
    #[test]
    fn fit_indexes_agree_with_walks_over_the_nodes() {
        for placement in [Placement::LeastAllocated, Placement::MostAllocated] {
            let pools = [pool("a", 70, 4_000, 3), pool("b", 5, 16_000, 110)];
            let mut nodes = Nodes::with(&pools, placement, &[], true);
            let fits = [
                PodFit::plain(Request {
                    cpu_milli: 1_000,
                    memory: 1 << 30,
                }),
                PodFit::plain(Request {
                    cpu_milli: 3_000,
                    memory: 8 << 30,
                }),
            ];
            nodes.index_fit(&fits[0], true);
            nodes.index_fit(&fits[1], false);
            assert!(nodes.fit_index[1].counts.is_none());
            let mut held: Vec<(usize, usize)> = Vec::new();
            let mut x = 0x9e37_79b9_7f4a_7c15_u64;
            for step in 0..4_000 {
                if step == 2_000 {
                    // An index made without counts gains them on a cluster already busy.
                    nodes.index_fit(&fits[1], true);
                    assert!(nodes.fit_index[1].counts.is_some());
                }
                x = crate::rng::splitmix64(x);
                let f = (x >> 8) as usize % 2;
                let node = (x >> 16) as usize % nodes.nodes.len();
                match x % 16 {
                    0..=8 => {
                        if let Some(n) = nodes.place(&fits[f]) {
                            nodes.allocate(n, &fits[f]);
                            held.push((n, f));
                        }
                    }
                    9..=12 if !held.is_empty() => {
                        let (n, f) = held.swap_remove((x >> 24) as usize % held.len());
                        nodes.release(n, &fits[f]);
                    }
                    13 => nodes.set_ready(node, !nodes.nodes[node].ready),
                    14 if step % 7 == 0 => nodes.cordon(node),
                    15 if step % 5 == 0 => {
                        if step % 2 == 0 {
                            nodes.add((x >> 32) as usize % 2);
                        } else {
                            nodes.remove(node);
                        }
                    }
                    _ => {}
                }
                for fit in &fits {
                    let walked = nodes.place_plain_among(fit.request, 0..nodes.nodes.len());
                    assert_eq!(nodes.place(fit), walked, "step {step}: placement");
                }
                for fit in &fits {
                    assert_eq!(
                        nodes.unfit_counts(fit),
                        nodes.walk_unfit_counts(fit),
                        "step {step}: reasons"
                    );
                }
            }
            assert!(held.len() > 20, "the cluster filled up: {}", held.len());
        }
    }

    /// A CPU pool of 6 nodes and a GPU pool of 3 (4 GPUs each, tainted,
    /// labelled), priced.
    fn gpu_cluster(name_taints: bool) -> Nodes {
        let cpu = NodePool {
            labels: [("pool".to_string(), "cpu".to_string())].into(),
            price_per_hour: Some(0.5),
            ..pool("cpu", 6, 16_000, 110)
        };
        let gpu = NodePool {
            labels: [("accelerator".to_string(), "a100".to_string())].into(),
            taints: vec![Taint {
                key: "nvidia.com/gpu".into(),
                value: "true".into(),
                effect: TaintEffect::NoSchedule,
            }],
            scalar: [("nvidia.com/gpu".to_string(), 4)].into(),
            price_per_hour: Some(4.0),
            ..pool("gpu", 3, 32_000, 110)
        };
        Nodes::with(&[cpu, gpu], Placement::LeastAllocated, &["nvidia.com/gpu"], name_taints)
    }

    fn directives(yaml: serde_json::Value) -> Directives {
        let extra: BTreeMap<String, serde_json::Value> = serde_json::from_value(yaml).unwrap();
        let mut errs = Vec::new();
        let d = Directives::read(&extra, "", &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        d
    }

    fn gpu_pod(n: &Nodes, gpus: i64) -> PodFit {
        let d = directives(serde_json::json!({
            "nodeSelector": {"accelerator": "a100"},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
        }));
        let r = Request {
            cpu_milli: 4000,
            memory: 1 << 30,
        };
        n.pod_fit(r, &[("nvidia.com/gpu".to_string(), gpus)].into(), &d)
    }

    #[test]
    fn pools_admit_pods_by_taints_and_labels() {
        let mut n = gpu_cluster(true);
        let cpu_pod = n.pod_fit(Request::default(), &BTreeMap::new(), &Directives::default());
        assert!(!cpu_pod.plain, "the GPU pool's taint refuses it");
        for _ in 0..20 {
            let i = n.place(&cpu_pod).unwrap();
            assert_eq!(n.nodes[i].pool, 0, "CPU pods never land on the tainted pool");
            n.allocate(i, &cpu_pod);
        }
        let gpu = gpu_pod(&n, 1);
        for _ in 0..12 {
            let i = n.place(&gpu).unwrap();
            assert_eq!(n.nodes[i].pool, 1);
            n.allocate(i, &gpu);
        }
        assert_eq!(n.place(&gpu), None, "12 GPUs taken");
        assert_eq!(
            n.unschedulable_reason(&gpu),
            "0/9 nodes are available: 3 Insufficient nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector."
        );
        assert_eq!(
            n.unschedulable_reason(&gpu_pod(&n, 5)),
            "0/9 nodes are available: 3 Insufficient nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector. The pod fits on no node of any pool."
        );
        // Without the toleration the GPU pool refuses the pod for its taint,
        // and the CPU pool for its labels.
        let d = directives(serde_json::json!({"nodeSelector": {"accelerator": "a100"}}));
        let untolerating = n.pod_fit(Request::default(), &BTreeMap::new(), &d);
        assert_eq!(
            n.unschedulable_reason(&untolerating),
            "0/9 nodes are available: 3 node(s) had untolerated taint {nvidia.com/gpu: true}, 6 node(s) didn't match Pod's node affinity/selector. The pod fits on no node of any pool."
        );
        let generic = gpu_cluster(false);
        assert_eq!(
            generic.unschedulable_reason(&generic.pod_fit(Request::default(), &BTreeMap::new(), &d)),
            "0/9 nodes are available: 3 node(s) had untolerated taint(s), 6 node(s) didn't match Pod's node affinity/selector. The pod fits on no node of any pool."
        );
    }

    #[test]
    fn reasons_are_sorted_as_strings_and_merged() {
        let n = gpu_cluster(false);
        let c = UnfitCounts {
            live: 25,
            cpu: 12,
            memory: 3,
            not_ready: 1,
            taints: vec![4],
            scalar: vec![2],
            cordoned: 2,
            affinity: 3,
            ..Default::default()
        };
        // "12 ..." sorts before "2 ...": Go's sort.Strings on "<count> <reason>".
        assert_eq!(
            n.message(&c),
            "0/25 nodes are available: 12 Insufficient cpu, 2 Insufficient nvidia.com/gpu, 2 node(s) were unschedulable, 3 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector, 5 node(s) had untolerated taint(s)."
        );
        let named = gpu_cluster(true);
        assert!(
            named
                .message(&c)
                .ends_with("1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 12 Insufficient cpu, 2 Insufficient nvidia.com/gpu, 2 node(s) were unschedulable, 3 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector, 4 node(s) had untolerated taint {nvidia.com/gpu: true}."),
            "{}",
            named.message(&c)
        );
        assert_eq!(
            n.message(&UnfitCounts::default()),
            "no nodes available to schedule pods"
        );
    }

    #[test]
    fn the_first_filter_a_node_fails_gives_its_reason() {
        let mut n = gpu_cluster(true);
        n.nodes[0].cordoned = true;
        n.nodes[1].ready = false;
        n.nodes[6].ready = false; // a GPU node: its pool's taint comes first
        n.nodes[2].used.cpu_milli = 16_000;
        let d = directives(serde_json::json!({}));
        let fit = n.pod_fit(
            Request {
                cpu_milli: 1000,
                memory: 0,
            },
            &BTreeMap::new(),
            &d,
        );
        assert_eq!(
            n.unschedulable_reason(&fit),
            "0/9 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable, 3 node(s) had untolerated taint {nvidia.com/gpu: true}."
        );
        // A pod tolerating everything goes to cordoned and lost nodes too, and
        // stays on a lost node for good.
        let all = n.pod_fit(
            Request::default(),
            &BTreeMap::new(),
            &directives(serde_json::json!({"tolerations": [{"operator": "Exists"}]})),
        );
        assert!(all.tolerates_unschedulable && all.tolerates_unreachable);
        assert_eq!(all.evict_unreachable_after, None);
        assert_eq!(fit.evict_unreachable_after, Some(300_000));
        let limited = n.pod_fit(
            Request::default(),
            &BTreeMap::new(),
            &directives(serde_json::json!({"tolerations": [
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}
            ]})),
        );
        assert_eq!(limited.evict_unreachable_after, Some(30_000));
        assert_eq!(n.place(&all), Some(0), "the cordoned node is first and empty");
    }

    #[test]
    fn hostnames_are_matched_node_by_node() {
        let mut n = gpu_cluster(true);
        let d = directives(serde_json::json!({"nodeSelector": {"kubernetes.io/hostname": "cpu-4"}}));
        let fit = n.pod_fit(Request::default(), &BTreeMap::new(), &d);
        assert_eq!(n.place(&fit), Some(4));
        n.nodes[4].cordoned = true;
        assert_eq!(
            n.unschedulable_reason(&fit),
            "0/9 nodes are available: 1 node(s) were unschedulable, 3 node(s) had untolerated taint {nvidia.com/gpu: true}, 5 node(s) didn't match Pod's node affinity/selector."
        );
        let d = directives(serde_json::json!({"nodeSelector": {"kubernetes.io/os": "linux", "pool": "cpu"}}));
        assert!(!n.pod_fit(Request::default(), &BTreeMap::new(), &d).plain);
    }

    #[test]
    fn preferences_come_before_the_placement_policy() {
        let mut n = gpu_cluster(true);
        // Prefer the GPU pool (tolerated), which LeastAllocated alone would not
        // pick once its first node holds a pod.
        let d = directives(serde_json::json!({
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}],
            "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "preference": {"matchExpressions": [{"key": "accelerator", "operator": "Exists"}]}}
            ]}}
        }));
        let r = Request {
            cpu_milli: 16_000,
            memory: 0,
        };
        let fit = n.pod_fit(r, &BTreeMap::new(), &d);
        let mut pools = Vec::new();
        for _ in 0..8 {
            let i = n.place(&fit).unwrap();
            pools.push(n.nodes[i].pool);
            n.allocate(i, &fit);
        }
        assert_eq!(pools, [1, 1, 1, 1, 1, 1, 0, 0], "the GPU pool's 3 x 32 cpus first");
        // An untolerated PreferNoSchedule taint ranks a pool last.
        let soft = NodePool {
            taints: vec![Taint {
                key: "spot".into(),
                value: String::new(),
                effect: TaintEffect::PreferNoSchedule,
            }],
            ..pool("spot", 2, 16_000, 110)
        };
        let n = Nodes::with(
            &[soft, pool("plain", 1, 16_000, 110)],
            Placement::LeastAllocated,
            &[],
            true,
        );
        let fit = n.pod_fit(Request::default(), &BTreeMap::new(), &Directives::default());
        assert_eq!(n.place(&fit), Some(2));
    }

    #[test]
    fn busy_share_is_the_most_requested_resource_of_a_node() {
        let mut n = gpu_cluster(true);
        let gpu = gpu_pod(&n, 1);
        let g = n.place(&gpu).unwrap();
        n.allocate(g, &gpu);
        // 1 of 4 GPUs beats 4 of 32 cpus.
        assert_eq!(n.busy_share(g), 0.25);
        assert_eq!(n.pool_busy, [0.0, 0.25]);
        n.release(g, &gpu);
        assert_eq!(n.pool_busy, [0.0, 0.0]);
        assert_eq!(n.pool_live, [6, 3]);
        n.remove(g);
        assert_eq!(n.pool_live, [6, 2]);
    }

    #[test]
    fn extended_requests_come_from_requests_or_limits() {
        let c = |name: &str, res: &[(&str, &str)], limits: bool| {
            let mut c = Container {
                name: name.into(),
                ..Default::default()
            };
            for (k, v) in res {
                let m = if limits {
                    &mut c.resources.limits
                } else {
                    &mut c.resources.requests
                };
                m.insert(k.to_string(), Quantity::parse(v).unwrap());
            }
            c
        };
        let spec = PodSpec {
            containers: vec![
                c("a", &[("nvidia.com/gpu", "1"), ("cpu", "1")], true),
                c("b", &[("nvidia.com/gpu", "2"), ("ephemeral-storage", "1Gi")], false),
            ],
            init_containers: vec![c("init", &[("nvidia.com/gpu", "4")], true)],
            ..Default::default()
        };
        assert_eq!(
            pod_scalar_request(&spec),
            [
                ("ephemeral-storage".to_string(), 1 << 30),
                ("nvidia.com/gpu".to_string(), 4)
            ]
            .into()
        );
    }

    #[test]
    fn least_allocated_spreads_and_most_allocated_packs() {
        let r = Request {
            cpu_milli: 1000,
            memory: 0,
        };
        let fit = PodFit::plain(r);
        let mut spread = Nodes::new(&[pool("a", 2, 4000, 110)], Placement::LeastAllocated);
        let first = spread.place(&fit).unwrap();
        spread.nodes[first].allocate(r);
        assert_ne!(spread.place(&fit).unwrap(), first);
        let mut pack = Nodes::new(&[pool("a", 2, 4000, 110)], Placement::MostAllocated);
        let first = pack.place(&fit).unwrap();
        pack.nodes[first].allocate(r);
        assert_eq!(pack.place(&fit).unwrap(), first);
    }

    #[test]
    fn usage_follows_room_taken_freed_and_nodes_lost_removed_or_added() {
        let r = Request {
            cpu_milli: 1000,
            memory: 0,
        };
        let fit = PodFit::plain(r);
        let mut n = Nodes::new(
            &[pool("a", 2, 4000, 110), pool("b", 1, i64::MAX, 10)],
            Placement::LeastAllocated,
        );
        let usage = |n: &Nodes| {
            let u = n.usage();
            assert_eq!(u, n.recounted_usage());
            (u.cpu, u.cpu_capacity, u.pods, u.pod_capacity)
        };
        assert_eq!(
            usage(&n),
            (0, 8000, 0, 230),
            "a node without a cpu limit adds no cpu capacity"
        );
        n.allocate(0, &fit);
        n.allocate(1, &fit);
        n.allocate(1, &fit);
        assert_eq!(usage(&n), (3000, 8000, 3, 230));
        n.set_ready(1, false);
        assert_eq!(usage(&n), (1000, 4000, 1, 120), "a lost node's room leaves");
        n.release(1, &fit);
        assert_eq!(usage(&n), (1000, 4000, 1, 120));
        n.set_ready(1, true);
        assert_eq!(usage(&n), (2000, 8000, 2, 230), "it comes back as it is now");
        n.hold(0, &fit, true);
        assert_eq!(usage(&n), (3000, 8000, 3, 230));
        n.hold(0, &fit, false);
        n.remove(0);
        n.remove(0);
        assert_eq!(usage(&n), (1000, 4000, 1, 120));
        let added = n.add(0);
        n.allocate(added, &fit);
        assert_eq!(usage(&n), (2000, 8000, 2, 230));
    }

    #[test]
    fn a_cluster_without_a_free_pod_slot_places_nothing() {
        let fit = PodFit::plain(Request::default());
        let mut n = Nodes::new(&[pool("a", 2, 4000, 1)], Placement::LeastAllocated);
        let first = n.place(&fit).unwrap();
        n.allocate(first, &fit);
        let second = n.place(&fit).expect("one slot is left");
        assert_ne!(second, first);
        n.allocate(second, &fit);
        assert_eq!(n.place(&fit), None);
        n.release(first, &fit);
        assert_eq!(n.place(&fit), Some(first));
        n.set_ready(first, false);
        assert_eq!(n.place(&fit), None, "a lost node takes no plain pod");
    }

    #[test]
    fn pod_count_limits_pods_without_requests() {
        let mut n = Nodes::new(&[pool("a", 1, i64::MAX, 2)], Placement::LeastAllocated);
        let r = Request::default();
        let fit = PodFit::plain(r);
        for _ in 0..2 {
            let i = n.place(&fit).unwrap();
            n.nodes[i].allocate(r);
        }
        assert_eq!(n.place(&fit), None);
        assert_eq!(
            n.unschedulable_reason(&fit),
            "0/1 nodes are available: 1 Too many pods."
        );
    }

    #[test]
    fn effective_request_counts_init_containers_as_kubernetes_does() {
        let c = |name: &str, cpu: &str, restart: Option<&str>| {
            let mut c = Container {
                name: name.into(),
                restart_policy: restart.map(String::from),
                ..Default::default()
            };
            c.resources.requests.insert("cpu".into(), Quantity::parse(cpu).unwrap());
            c
        };
        let spec = PodSpec {
            containers: vec![c("a", "500m", None), c("b", "250m", None)],
            init_containers: vec![c("init", "2", None), c("side", "100m", Some("Always"))],
            ..Default::default()
        };
        assert_eq!(pod_request(&spec).cpu_milli, 2000);
        let spec = PodSpec {
            init_containers: vec![c("init", "100m", None)],
            ..spec
        };
        assert_eq!(
            pod_request(&spec).cpu_milli,
            750,
            "sum of app containers wins over a small init container"
        );
    }
}
