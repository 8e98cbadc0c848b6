//! Nodes and the scheduler: node pools with allocatable cpu, memory and pod
//! count, pods binding in queue order to nodes with room, and the placement
//! policy.
//!
//! Placement is deterministic: `LeastAllocated` (kube-scheduler's default
//! scoring) picks the node whose most-used resource (cpu, memory, pods) would
//! be the least used after binding; `MostAllocated` (bin packing) the most
//! used. Ties go to the node created first.

use crate::scenario::{NodePool, Placement};

/// What a pod asks for: cpu in millicores, memory in bytes, one pod slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    pub cpu_milli: i64,
    pub memory: i64,
}

/// Live nodes, and how many refuse a pod for each reason the scheduler names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnfitCounts {
    pub live: u32,
    pub cpu: u32,
    pub memory: u32,
    pub pods: u32,
    pub not_ready: u32,
    pub cordoned: u32,
}

/// [`Nodes::unschedulable_reason`] from the counts and fit it depends on.
pub fn unschedulable_reason(counts: UnfitCounts, could_ever_fit: bool) -> String {
    let mut reason = counts.message();
    if !could_ever_fit {
        reason.push_str(" The pod fits on no node of any pool.");
    }
    reason
}

impl UnfitCounts {
    /// The `PodScheduled=False` message: `0/3 nodes are available: 3 Insufficient cpu.`
    pub fn message(&self) -> String {
        let mut parts = Vec::new();
        for (count, what) in [
            (self.cpu, "Insufficient cpu"),
            (self.memory, "Insufficient memory"),
            (self.pods, "Too many pods"),
            (self.not_ready, "node(s) were unreachable"),
            (self.cordoned, "node(s) were unschedulable"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        }
        format!("0/{} nodes are available: {}.", self.live, parts.join(", "))
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub pool: usize,
    pub cpu_milli: i64,
    pub memory: i64,
    pub pods: i64,
    pub used: Request,
    pub used_pods: i64,
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

/// The cluster's nodes, with pool membership.
#[derive(Clone, Debug, Default)]
pub struct Nodes {
    pub nodes: Vec<Node>,
    pub pools: Vec<NodePool>,
    pub placement: Placement,
    /// Nodes created so far per pool (for names of added nodes).
    created: Vec<u32>,
}

impl Nodes {
    pub fn new(pools: &[NodePool], placement: Placement) -> Self {
        let mut n = Nodes {
            nodes: Vec::new(),
            pools: pools.to_vec(),
            placement,
            created: vec![0; pools.len()],
        };
        for (p, pool) in pools.iter().enumerate() {
            for _ in 0..pool.count {
                n.add(p);
            }
        }
        n
    }

    /// Without node pools the cluster has unlimited room.
    pub fn unlimited(&self) -> bool {
        self.pools.is_empty()
    }

    pub fn add(&mut self, pool: usize) -> usize {
        let p = &self.pools[pool];
        let name = format!("{}-{}", p.name, self.created[pool]);
        self.created[pool] += 1;
        self.nodes.push(Node {
            name,
            pool,
            cpu_milli: p.cpu_milli,
            memory: p.memory_bytes,
            pods: p.pods,
            used: Request::default(),
            used_pods: 0,
            ready: true,
            cordoned: false,
            removed: false,
        });
        self.nodes.len() - 1
    }

    /// The node a pod with request `r` binds to, by the placement policy.
    pub fn place(&self, r: Request) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
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

    /// Whether a request could fit on an empty node of some pool at all.
    pub fn could_ever_fit(&self, r: Request) -> bool {
        self.pools
            .iter()
            .any(|p| r.cpu_milli <= p.cpu_milli && r.memory <= p.memory_bytes && p.pods > 0)
    }

    /// Why a pod with request `r` waits: the scheduler's message, and a note
    /// when no node of any pool could ever hold it.
    pub fn unschedulable_reason(&self, r: Request) -> String {
        unschedulable_reason(self.unfit_counts(r), self.could_ever_fit(r))
    }

    /// Why each live node refuses a request, counted: all the message depends on.
    pub fn unfit_counts(&self, r: Request) -> UnfitCounts {
        let mut c = UnfitCounts::default();
        for n in self.nodes.iter().filter(|n| !n.removed) {
            c.live += 1;
            if !n.ready {
                c.not_ready += 1;
            } else if n.cordoned {
                c.cordoned += 1;
            } else {
                c.cpu += u32::from(n.used.cpu_milli + r.cpu_milli > n.cpu_milli);
                c.memory += u32::from(n.used.memory + r.memory > n.memory);
                c.pods += u32::from(n.used_pods >= n.pods);
            }
        }
        c
    }

    /// Allocated and allocatable cpu (millicores) and pod slots of live nodes.
    pub fn usage(&self) -> (i64, i64, i64, i64) {
        self.nodes
            .iter()
            .filter(|n| !n.removed && n.ready)
            .fold((0, 0, 0, 0), |acc, n| {
                let cap = if n.cpu_milli == i64::MAX { 0 } else { n.cpu_milli };
                (
                    acc.0 + n.used.cpu_milli,
                    acc.1 + cap,
                    acc.2 + n.used_pods,
                    acc.3 + n.pods,
                )
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Container, PodSpec, Quantity};

    fn pool(name: &str, count: u32, cpu: i64, pods: i64) -> NodePool {
        NodePool {
            name: name.into(),
            count,
            cpu_milli: cpu,
            memory_bytes: 64 << 30,
            pods,
        }
    }

    #[test]
    fn least_allocated_spreads_and_most_allocated_packs() {
        let r = Request {
            cpu_milli: 1000,
            memory: 0,
        };
        let mut spread = Nodes::new(&[pool("a", 2, 4000, 110)], Placement::LeastAllocated);
        let first = spread.place(r).unwrap();
        spread.nodes[first].allocate(r);
        assert_ne!(spread.place(r).unwrap(), first);
        let mut pack = Nodes::new(&[pool("a", 2, 4000, 110)], Placement::MostAllocated);
        let first = pack.place(r).unwrap();
        pack.nodes[first].allocate(r);
        assert_eq!(pack.place(r).unwrap(), first);
    }

    #[test]
    fn pod_count_limits_pods_without_requests() {
        let mut n = Nodes::new(&[pool("a", 1, i64::MAX, 2)], Placement::LeastAllocated);
        let r = Request::default();
        for _ in 0..2 {
            let i = n.place(r).unwrap();
            n.nodes[i].allocate(r);
        }
        assert_eq!(n.place(r), None);
        assert_eq!(n.unschedulable_reason(r), "0/1 nodes are available: 1 Too many pods.");
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
