/// A binary heap: `pop` returns the element that precedes all others under `precedes`.
///
/// `@inlinable` so that clients in other modules (the tokenizers) get a specialised heap.
public struct BinaryHeap<Element> {
    @usableFromInline var items: [Element] = []
    @usableFromInline let precedes: (Element, Element) -> Bool

    /// An empty heap ordered by `precedes` (a strict weak order: true when the first element
    /// must come out before the second).
    @inlinable
    public init(by precedes: @escaping (Element, Element) -> Bool) {
        self.precedes = precedes
    }

    @inlinable public var isEmpty: Bool { items.isEmpty }
    @inlinable public var count: Int { items.count }

    /// The element `pop` would return, without removing it.
    @inlinable public var first: Element? { items.first }

    @inlinable
    public mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the first element, or nil when the heap is empty.
    @inlinable
    public mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < items.count, precedes(items[left], items[best]) { best = left }
            if right < items.count, precedes(items[right], items[best]) { best = right }
            guard best != parent else { return top }
            items.swapAt(parent, best)
            parent = best
        }
    }
}
