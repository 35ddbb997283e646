/** A loopback TCP proxy to the API server whose connections a test can cut, as a network failure would. */
import { createServer, Socket, type Server } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Connections accepted so far. */
  readonly connections: () => number
  /** Cuts every open connection; new ones are still accepted. */
  readonly dropAll: () => void
  /** Cuts every connection and accepts no more. */
  readonly close: () => Promise<void>
}

/** A proxy on a free loopback port to `127.0.0.1:targetPort`. */
export async function tcpProxy(targetPort: string | number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let count = 0
  const server: Server = createServer((client) => {
    count++
    const upstream = new Socket()
    upstream.connect(Number(targetPort), '127.0.0.1')
    client.pipe(upstream).pipe(client)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const dropAll = () => {
    for (const socket of sockets) socket.destroy()
  }
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    dropAll,
    close: () =>
      new Promise<void>((resolve) => {
        dropAll()
        server.close(() => resolve())
      }),
  }
}
